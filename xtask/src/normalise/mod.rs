//! Normalisation: small, named rules that turn the published spec into one progenitor can
//! generate a compiling, tolerant client from.
//!
//! Every rule is general (it looks for a shape, never for a schema name) so that the same
//! pipeline handles every published version of the spec. Each reports the spec locations it
//! touched; `cargo xtask generate` prints the report and `openapi/NORMALISATION.md` explains
//! each rule.

mod rules;
pub mod walk;

use std::fmt::Write as _;

use serde_json::Value;

pub use rules::all_rules;

/// One change a rule made.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// JSON pointer into the document.
    pub location: String,
    /// What was changed there.
    pub detail: String,
}

/// A normalisation rule.
pub trait Rule {
    /// Short kebab-case name used in reports.
    fn name(&self) -> &'static str;
    /// One sentence: what the rule does and why.
    fn why(&self) -> &'static str;
    /// Applies the rule and lists what it changed.
    fn apply(&self, doc: &mut Value) -> Vec<Change>;
}

/// The outcome of running every rule.
#[derive(Debug, Default)]
pub struct Report {
    pub rules: Vec<(&'static str, &'static str, Vec<Change>)>,
}

impl Report {
    /// One line per rule with its change count.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (name, _, changes) in &self.rules {
            let _ = writeln!(out, "  {name:<32} {:>4} change(s)", changes.len());
        }
        out
    }

    /// Every change, grouped by rule (markdown).
    pub fn detailed(&self) -> String {
        let mut out = String::new();
        for (name, why, changes) in &self.rules {
            let _ = writeln!(out, "## `{name}` ({} change(s))\n\n{why}\n", changes.len());
            for change in changes {
                let _ = writeln!(out, "- `{}`: {}", change.location, change.detail);
            }
            out.push('\n');
        }
        out
    }
}

/// Runs every rule in order on `doc`.
pub fn normalise(doc: &mut Value) -> Report {
    let mut report = Report::default();
    for rule in all_rules() {
        let mut changes = rule.apply(doc);
        changes.sort();
        changes.dedup();
        report.rules.push((rule.name(), rule.why(), changes));
    }
    report
}
