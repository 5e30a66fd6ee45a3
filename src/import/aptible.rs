//! Aptible: the CLI's `APTIBLE_OUTPUT_FORMAT=json` output (shapes from
//! `aptible/aptible-cli` `lib/aptible/cli/resource_formatter.rb`) and the
//! API's HAL+JSON pages (`aptible/aptible-api-go` `aptibleapi/api/
//! openapi.yaml`: `_embedded.<type>`, `_links.next`/`prev`, `current_page`,
//! `per_page`, `total_count`, parents as `_links.account.href`).
//!
//! Only the fields the conditions and reports need are copied: never a
//! `connection_url`, credentials, a drain's URL, host, user or token.

use std::collections::BTreeSet;

use serde_json::{json, Value as Json};

use crate::import::files::{KindSpec, SavedFile, Sniff};
use crate::import::pages::{self, text, Page};
use crate::import::{manifest_only, require, Draft, ImportError, Manifest};

pub static KINDS: &[KindSpec] = &[
    KindSpec {
        name: "apps",
        source: "APTIBLE_OUTPUT_FORMAT=json aptible apps",
        qualifier: None,
    },
    KindSpec {
        name: "databases",
        source: "APTIBLE_OUTPUT_FORMAT=json aptible db:list",
        qualifier: None,
    },
    KindSpec {
        name: "backups",
        source: "APTIBLE_OUTPUT_FORMAT=json aptible backup:list DB",
        qualifier: Some("database handle"),
    },
    KindSpec {
        name: "orphaned_backups",
        source: "APTIBLE_OUTPUT_FORMAT=json aptible backup:orphaned",
        qualifier: None,
    },
    KindSpec {
        name: "log_drains",
        source: "APTIBLE_OUTPUT_FORMAT=json aptible log_drain:list",
        qualifier: None,
    },
    KindSpec {
        name: "metric_drains",
        source: "APTIBLE_OUTPUT_FORMAT=json aptible metric_drain:list",
        qualifier: None,
    },
    KindSpec {
        name: "environments",
        source: "APTIBLE_OUTPUT_FORMAT=json aptible environment:list",
        qualifier: None,
    },
    KindSpec {
        name: "stacks",
        source: "GET https://api.aptible.com/stacks",
        qualifier: None,
    },
];

/// HAL `_embedded` keys and the kinds they are.
const EMBEDDED: [(&str, &str); 7] = [
    ("apps", "apps"),
    ("databases", "databases"),
    ("backups", "backups"),
    ("log_drains", "log_drains"),
    ("metric_drains", "metric_drains"),
    ("accounts", "environments"),
    ("stacks", "stacks"),
];

pub fn sniff(json: &Json) -> Sniff {
    if let Some(embedded) = json.get("_embedded").and_then(Json::as_object) {
        return EMBEDDED
            .iter()
            .find(|(key, _)| embedded.contains_key(*key))
            .map_or(Sniff::Unrecognised, |(_, kind)| Sniff::Kind(kind));
    }
    if json.get("error").is_some() && json.get("message").is_some() {
        let message = text(json, "message").unwrap_or_default();
        return Sniff::ApiError(message);
    }
    let first = match json {
        Json::Array(items) if items.is_empty() => return Sniff::Listing,
        Json::Array(items) => &items[0],
        _ => return Sniff::Unrecognised,
    };
    let has = |key: &str| first.get(key).is_some();
    let kind = if has("git_remote") || has("services") {
        "apps"
    } else if has("drain_apps") || has("drain_databases") {
        "log_drains"
    } else if has("drain_configuration") {
        "metric_drains"
    } else if has("manual") && has("region") {
        if has("database") {
            "orphaned_backups"
        } else {
            "backups"
        }
    } else if has("connection_url") || has("credentials") || (has("type") && has("version")) {
        "databases"
    } else if has("handle") && has("created_at") && !has("environment") {
        "environments"
    } else {
        return Sniff::Unrecognised;
    };
    Sniff::Kind(kind)
}

fn page_of(file: &SavedFile) -> Result<Page, ImportError> {
    let json = &file.json;
    if let Some(embedded) = json.get("_embedded").and_then(Json::as_object) {
        let items = embedded
            .values()
            .next()
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        let number = |key: &str| json.get(key).and_then(Json::as_u64);
        let total = number("total_count");
        let links_next = json
            .pointer("/_links/next")
            .is_some_and(|next| !next.is_null());
        if total.is_none() && links_next {
            return Err(ImportError::new(
                &file.path,
                "the page links a next page (_links.next) but gives no total_count, so whether every page was saved cannot be checked; save the API's pages as they come",
            ));
        }
        let per_page = number("per_page").filter(|n| *n > 0);
        return Ok(Page {
            items,
            current: number("current_page"),
            total_pages: total.zip(per_page).map(|(t, p)| t.div_ceil(p).max(1)),
            total_items: total,
        });
    }
    match json {
        Json::Array(items) => Ok(Page {
            items: items.clone(),
            ..Page::default()
        }),
        _ => Err(ImportError::new(
            &file.path,
            "neither a HAL page nor the CLI's JSON list",
        )),
    }
}

fn id_of(item: &Json) -> Option<String> {
    text(item, "id")
}

/// The last path segment of a HAL link (`_links.account.href`).
fn link_id(item: &Json, rel: &str) -> Option<String> {
    let href = item.get("_links")?.get(rel)?.get("href")?.as_str()?;
    href.trim_end_matches('/')
        .rsplit('/')
        .next()
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
}

/// The environment an object belongs to: the CLI nests it, HAL links it.
fn environment_of(item: &Json) -> Option<String> {
    item.get("environment")
        .and_then(|e| text(e, "id"))
        .or_else(|| link_id(item, "account"))
}

/// A status as a state. Listings without a status (the CLI's drains,
/// environments, backups) list what exists.
fn state(item: &Json, file: &str) -> Result<(&'static str, String), ImportError> {
    let Some(status) = text(item, "status") else {
        return Ok(("live", "listed".into()));
    };
    let state = match status.as_str() {
        "provisioned" => "live",
        "pending" | "provisioning" | "deprovisioning" => "changing",
        "deprovisioned" => "gone",
        "provision_failed" | "deprovision_failed" => "failed",
        other => {
            return Err(ImportError::new(
                file,
                format!("{}: status {other:?} is not an Aptible status (pending, provisioning, provisioned, deprovisioning, deprovisioned, provision_failed, deprovision_failed)", text(item, "handle").or_else(|| text(item, "id")).unwrap_or_default()),
            ))
        }
    };
    Ok((state, status))
}

fn resource(item: &Json, kind: &str, file: &str) -> Result<Json, ImportError> {
    let (state, status) = state(item, file)?;
    Ok(json!({
        "id": text(item, "id"),
        "type": kind,
        "name": text(item, "handle").or_else(|| text(item, "name")),
        "state": state,
        "status": status,
        "parent_id": environment_of(item),
    }))
}

pub fn build(saved: &[SavedFile], manifest: &Manifest) -> Result<Draft, ImportError> {
    let listings = pages::collect(saved, page_of, id_of)?;
    let mut draft = Draft::default();
    let need = |draft: &mut Draft, kind: &str| {
        require(draft, manifest, &listings, KINDS, kind, "resources")
    };
    let mut resources = Vec::new();

    // The API's accounts (environments) link their organization: the account.
    for (_, items, file) in listings.of("environments") {
        for item in items {
            if let Some(org) = link_id(item, "organization") {
                draft.account(&org, file)?;
            }
        }
    }
    let simple = [
        ("apps", "aptible.app"),
        ("log_drains", "aptible.log_drain"),
        ("metric_drains", "aptible.metric_drain"),
        ("environments", "aptible.environment"),
    ];
    for (kind, resource_type) in simple {
        need(&mut draft, kind);
        for (_, items, file) in listings.of(kind) {
            for item in items {
                let mut r = resource(item, resource_type, file)?;
                if kind == "environments" {
                    r["parent_id"] = json!(link_id(item, "stack"));
                }
                resources.push(r);
            }
        }
    }
    // Dedicated stacks come only from the API: a stack that is not public.
    need(&mut draft, "stacks");
    for (_, items, file) in listings.of("stacks") {
        for stack in items {
            match stack.get("public").and_then(Json::as_bool) {
                Some(true) => {}
                Some(false) => {
                    let mut r = resource(stack, "aptible.dedicated_stack", file)?;
                    r["parent_id"] = Json::Null;
                    resources.push(r);
                }
                None => {
                    return Err(ImportError::new(
                        file,
                        format!(
                            "stack {}: no `public`, so whether it is dedicated cannot be told",
                            text(stack, "id").unwrap_or_default()
                        ),
                    ))
                }
            }
        }
    }
    // Databases, and the handles their backup files are named by.
    need(&mut draft, "databases");
    let mut databases: Vec<(String, Option<String>, bool)> = Vec::new();
    for (_, items, file) in listings.of("databases") {
        for item in items {
            let mut r = resource(item, "aptible.database", file)?;
            r["holds_data"] = json!(true);
            if let Some(primary) = link_id(item, "initialize_from") {
                r["replica_of"] = json!(primary);
            }
            let gone = r["state"] == "gone";
            databases.push((
                text(item, "id").unwrap_or_default(),
                text(item, "handle"),
                gone,
            ));
            resources.push(r);
        }
    }
    // Backups: `backup:list DB` names its database only in the file name;
    // HAL backups link theirs; `backup:orphaned` nests the deleted one, and
    // what it lists are the final backups.
    let mut backed_up: BTreeSet<String> = BTreeSet::new();
    for (qualifier, items, file) in listings.of("backups") {
        let database = match qualifier {
            Some(q) => Some(
                databases
                    .iter()
                    .find(|(id, handle, _)| handle.as_deref() == Some(q) || id == q)
                    .map(|(id, _, _)| id.clone())
                    .ok_or_else(|| ImportError::new(file, format!("the file name names database {q:?}, which the saved db:list does not list")))?,
            ),
            None => None,
        };
        if let Some(id) = &database {
            backed_up.insert(id.clone());
        }
        for item in items {
            let mut r = resource(item, "aptible.database_backup", file)?;
            let owner = database.clone().or_else(|| link_id(item, "database"));
            r["database_id"] = json!(owner);
            r["parent_id"] = json!(environment_of(item));
            resources.push(r);
        }
    }
    need(&mut draft, "orphaned_backups");
    for (_, items, file) in listings.of("orphaned_backups") {
        for item in items {
            let mut r = resource(item, "aptible.database_backup", file)?;
            let database = item.get("database");
            r["database_id"] = json!(database.and_then(|d| text(d, "id")));
            r["parent_id"] = json!(database.and_then(environment_of));
            r["final"] = json!(true);
            resources.push(r);
        }
    }
    // The CLI lists only the backups newer than its `--max-age` (default one
    // month for `backup:list`, a year for `backup:orphaned`), and its output
    // does not say which age it used: an older backup would be missing
    // without a sign. Unless the manifest states the listings are whole,
    // the backups stay unknown (HAL pages are whole: their counts are checked).
    if !manifest.backups_listed_in_full() {
        let partial: Vec<&str> = saved
            .iter()
            .filter(|f| matches!(f.kind, "backups" | "orphaned_backups") && f.json.is_array())
            .map(|f| f.path.as_str())
            .collect();
        if !partial.is_empty() {
            draft.gap(
                "resources",
                format!(
                    "{}: the CLI lists only backups newer than --max-age (default 1mo, 1y for backup:orphaned); save with --max-age 100y and state backups_listed_in_full = true",
                    partial.join(", ")
                ),
            );
        }
    }
    if !manifest.states_none("backups") {
        let missing: Vec<String> = databases
            .iter()
            .filter(|(id, _, gone)| !gone && !backed_up.contains(id))
            .map(|(id, handle, _)| handle.clone().unwrap_or_else(|| id.clone()))
            .collect();
        if !missing.is_empty() {
            draft.gap(
                "resources",
                format!("no backups file for database {} (`aptible backup:list DB`, saved as backups.DB.json)", missing.join(", ")),
            );
        }
    }
    draft.set("resources", Json::Array(resources));

    manifest_only(
        &mut draft,
        &[
            "account.name",
            "account.support_plan",
            "request.organization_name_confirmation",
            "request.reason",
            "data_exports",
        ],
    );
    if draft.get("billing").is_none() {
        draft.gap(
            "billing",
            "Aptible has no public billing API; state billing in the manifest",
        );
    }
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_tells_the_kind() {
        assert_eq!(sniff(&json!([])), Sniff::Listing);
        assert_eq!(
            sniff(&json!([{"id": 1, "handle": "web", "git_remote": "git@..."}])),
            Sniff::Kind("apps")
        );
        assert_eq!(
            sniff(&json!([{"id": 1, "manual": false, "region": "us-east-1"}])),
            Sniff::Kind("backups")
        );
        assert_eq!(
            sniff(
                &json!([{"id": 1, "manual": false, "region": "us-east-1", "database": {"id": 2}}])
            ),
            Sniff::Kind("orphaned_backups")
        );
        assert_eq!(
            sniff(&json!({"_embedded": {"stacks": []}, "total_count": 0})),
            Sniff::Kind("stacks")
        );
        assert_eq!(
            sniff(&json!([{"id": 1, "handle": "prod", "created_at": "x"}])),
            Sniff::Kind("environments")
        );
    }

    #[test]
    fn statuses_become_states() {
        let s = |status: &str| state(&json!({"status": status}), "f").map(|s| s.0);
        assert_eq!(s("provisioned"), Ok("live"));
        assert_eq!(s("deprovision_failed"), Ok("failed"));
        assert_eq!(s("deprovisioned"), Ok("gone"));
        assert_eq!(s("provisioning"), Ok("changing"));
        assert!(s("running").is_err());
        assert_eq!(state(&json!({}), "f").map(|s| s.0), Ok("live"));
    }
}
