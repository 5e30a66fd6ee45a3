//! The Rego package naming: a provider's conditions live in package
//! `closeout.<provider>`, the ones every provider shares in `closeout.common`.
//! This type is the one place that knows the prefix.

use std::borrow::Borrow;
use std::fmt;

use serde::Serialize;

/// The first name of every closeout package.
const ROOT: &str = "closeout";
/// The last name of the package every provider shares.
const COMMON: &str = "common";

/// A policy package, `closeout.<provider>` or `closeout.common`, by its full name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Package(String);

impl Package {
    /// `closeout.common`: the conditions that apply to every provider.
    pub fn common() -> Package {
        Package::of(COMMON)
    }

    /// `closeout.<provider>`: the package that serves snapshots of `provider`.
    pub fn of(provider: &str) -> Package {
        Package(format!("{ROOT}.{provider}"))
    }

    /// The package named `name` (`closeout.ukfast`), if it is a closeout
    /// package: `closeout.` and a non-empty last part.
    pub fn parse(name: &str) -> Option<Package> {
        match name.strip_prefix(ROOT)?.strip_prefix('.') {
            Some(rest) if !rest.is_empty() => Some(Package(name.to_owned())),
            _ => None,
        }
    }

    /// The full name, `closeout.ukfast`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What follows `closeout.`: the provider it serves, or `common`.
    pub fn provider(&self) -> &str {
        &self.0[ROOT.len() + 1..]
    }

    /// `closeout.common`, which serves no provider of its own.
    pub fn is_common(&self) -> bool {
        self.provider() == COMMON
    }

    /// Whether `provider` names the common package rather than a provider.
    pub fn is_common_name(provider: &str) -> bool {
        provider == COMMON
    }

    /// The query for one of its rules: `data.closeout.ukfast.deny`.
    pub fn rule_query(&self, rule: &str) -> String {
        format!("data.{}.{rule}", self.0)
    }

    /// Whether a condition of this package applies to snapshots of `provider`:
    /// its own package, or the common one.
    pub fn applies_to(&self, provider: &str) -> bool {
        self.is_common() || self.provider() == provider
    }
}

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for Package {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Package {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Package {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Serialize for Package {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_providers() {
        let ukfast = Package::of("ukfast");
        assert_eq!(ukfast.as_str(), "closeout.ukfast");
        assert_eq!(ukfast.provider(), "ukfast");
        assert!(!ukfast.is_common());
        assert!(Package::common().is_common());
        assert_eq!(Package::common().as_str(), "closeout.common");
        assert_eq!(ukfast.rule_query("deny"), "data.closeout.ukfast.deny");
        assert!(ukfast.applies_to("ukfast"));
        assert!(!ukfast.applies_to("aptible"));
        assert!(Package::common().applies_to("aptible"));
    }

    #[test]
    fn parse_takes_closeout_packages_only() {
        assert_eq!(Package::parse("closeout.a"), Some(Package::of("a")));
        assert_eq!(
            Package::parse("closeout.a_test").unwrap().provider(),
            "a_test"
        );
        assert_eq!(Package::parse("closeout."), None);
        assert_eq!(Package::parse("closeout"), None);
        assert_eq!(Package::parse("closeoutx.a"), None);
        assert_eq!(Package::parse("other.a"), None);
    }
}
