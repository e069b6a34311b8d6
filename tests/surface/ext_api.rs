//! Pins the hand-written crate's (`okta-governance`) module graph, which must run one way. Its
//! public API, as the compiler sees it, is `governance-ext/public-api.txt`, checked by
//! `cargo xtask public-api` (rustdoc JSON, cargo-public-api) in CI.

use std::path::PathBuf;

fn ext_crate() -> PathBuf {
    xtask::workspace_root().join("governance-ext")
}

#[test]
fn the_module_graph_runs_one_way() {
    let graph = xtask::public_api::module_graph(&ext_crate()).unwrap();
    let layers = match xtask::public_api::layers(&graph) {
        Ok(layers) => layers,
        Err(cycle) => panic!("these modules use each other in a cycle: {cycle:?}\n{graph:#?}"),
    };
    let mut text = String::new();
    for (n, layer) in layers.iter().enumerate() {
        for module in layer {
            let uses: Vec<&str> = graph[module].iter().map(String::as_str).collect();
            text.push_str(&format!("{n} {module}: {}\n", uses.join(", ")));
        }
    }
    insta::assert_snapshot!("ext_module_graph", text);
}

#[test]
fn a_cycle_is_found() {
    use std::collections::{BTreeMap, BTreeSet};
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("auth", vec!["config"]),
        ("config", vec!["auth"]),
        ("error", vec![]),
    ]
    .into_iter()
    .map(|(m, uses)| (m.to_string(), uses.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(
        xtask::public_api::layers(&graph).unwrap_err(),
        ["auth", "config"]
    );
}
