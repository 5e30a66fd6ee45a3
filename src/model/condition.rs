//! Conditions: what the policy annotations say about each rule, and the catalogue
//! of all of them with the order their remediations must follow.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Package;

/// How much a condition weighs.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    /// Cancellation must not proceed (`deny`).
    Block,
    /// Allowed, but something is lost or a human should look (`warn`).
    Warn,
    /// A fact to tell the requester (`info`); never fails a run.
    Info,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Kind> {
        text.parse().ok()
    }

    /// The Rego rule a condition of this kind is written as.
    pub fn rule_name(self) -> &'static str {
        match self {
            Kind::Block => "deny",
            Kind::Warn => "warn",
            Kind::Info => "info",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One condition, as its annotation describes it.
#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub remediation: String,
    /// Conditions whose remediation must come first (resolved: `all` expanded).
    pub after: Vec<String>,
    /// The provider document the condition comes from.
    pub source_doc: String,
    /// The sentence of that document it encodes.
    pub source_quote: String,
    /// The parts of a snapshot its rule reads, as dotted paths (`billing.invoices`):
    /// GEN-003 blocks a snapshot whose `unknown` list covers one of them.
    pub reads: Vec<String>,
    /// The Rego package, e.g. `closeout.ukfast`.
    pub package: Package,
    /// The policy file and the 1-based line of the rule head.
    pub file: String,
    pub line: usize,
}

/// Every loaded condition, in load order (files sorted, rules in file order).
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    conditions: Vec<Condition>,
    index: HashMap<String, usize>,
    /// For each condition, every condition that must come before it, directly or not.
    before: Vec<Vec<bool>>,
}

impl Catalogue {
    /// Builds the catalogue. The caller has checked ids are unique, `after` names
    /// known ids and the order has no cycle.
    pub(crate) fn new(conditions: Vec<Condition>) -> Self {
        let index: HashMap<String, usize> = conditions
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let n = conditions.len();
        let mut before = vec![vec![false; n]; n];
        for (i, condition) in conditions.iter().enumerate() {
            for dep in &condition.after {
                if let Some(&j) = index.get(dep) {
                    before[i][j] = true;
                }
            }
        }
        // Transitive closure (Floyd–Warshall): a plan keeps the order even when a
        // condition in between did not trip.
        for k in 0..n {
            let through_k = before[k].clone();
            for row in before.iter_mut() {
                if row[k] {
                    for (cell, &via) in row.iter_mut().zip(&through_k) {
                        *cell |= via;
                    }
                }
            }
        }
        Self {
            conditions,
            index,
            before,
        }
    }

    pub fn get(&self, id: &str) -> Option<&Condition> {
        self.index.get(id).map(|&i| &self.conditions[i])
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Condition> {
        self.conditions.iter()
    }

    pub fn len(&self) -> usize {
        self.conditions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// Sorts condition ids into an order that honours every `after`, breaking
    /// ties by catalogue order. Unknown ids go last, in the order given.
    pub fn order(&self, ids: &[String]) -> Vec<String> {
        let mut known: Vec<usize> = ids.iter().filter_map(|id| self.position(id)).collect();
        known.sort_unstable();
        known.dedup();
        let mut ordered = Vec::with_capacity(known.len());
        let mut done = vec![false; known.len()];
        while ordered.len() < known.len() {
            // The first (in catalogue order) whose predecessors are all placed.
            let next = (0..known.len()).find(|&a| {
                !done[a]
                    && (0..known.len())
                        .all(|b| done[b] || a == b || !self.before[known[a]][known[b]])
            });
            // No cycle can exist (checked at load); fall back to catalogue order anyway.
            let a = next.unwrap_or_else(|| (0..known.len()).find(|&a| !done[a]).unwrap_or(0));
            done[a] = true;
            ordered.push(self.conditions[known[a]].id.clone());
        }
        ordered.extend(ids.iter().filter(|id| self.position(id).is_none()).cloned());
        ordered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(id: &str, after: &[&str]) -> Condition {
        Condition {
            id: id.into(),
            kind: Kind::Block,
            title: String::new(),
            description: String::new(),
            remediation: String::new(),
            after: after.iter().map(|s| s.to_string()).collect(),
            source_doc: String::new(),
            source_quote: String::new(),
            reads: Vec::new(),
            package: Package::of("t"),
            file: "t.rego".into(),
            line: 1,
        }
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn order_honours_after_then_catalogue_order() {
        let catalogue = Catalogue::new(vec![
            condition("T-001", &["T-003"]),
            condition("T-002", &[]),
            condition("T-003", &[]),
        ]);
        assert_eq!(
            catalogue.order(&ids(&["T-001", "T-002", "T-003"])),
            ids(&["T-002", "T-003", "T-001"])
        );
    }

    #[test]
    fn order_is_transitive_through_conditions_that_did_not_trip() {
        let catalogue = Catalogue::new(vec![
            condition("T-001", &["T-002"]),
            condition("T-002", &["T-003"]),
            condition("T-003", &[]),
        ]);
        assert_eq!(
            catalogue.order(&ids(&["T-001", "T-003"])),
            ids(&["T-003", "T-001"])
        );
    }
}
