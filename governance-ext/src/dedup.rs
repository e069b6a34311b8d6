//! Dropping repeats from the inputs of bulk calls.

use std::collections::HashSet;

/// Drops repeated values wherever they are, keeping the first of each in order (`dedup` only
/// drops adjacent ones).
pub(crate) fn unique<T: Clone + Eq + std::hash::Hash>(values: &mut Vec<T>) {
    let mut seen = HashSet::new();
    values.retain(|value| seen.insert(value.clone()));
}
