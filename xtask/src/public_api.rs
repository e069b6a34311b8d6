//! The hand-written crate's module graph, read from its source with `syn`: the workspace tests
//! pin its layers in a snapshot and fail on a cycle. (Its public API listing comes from the
//! compiler's view instead: `cargo xtask public-api`, in `semver.rs`.) Items under
//! `#[cfg(test)]` are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Attribute, Item, Visibility};

/// One module of the crate, parsed.
struct Module {
    /// `["labels"]`, `["auth", "user"]`; empty for the crate root.
    path: Vec<String>,
    items: Vec<Item>,
}

/// Reads the crate rooted at `src/lib.rs` of `crate_dir`.
fn modules(crate_dir: &Path) -> Result<Vec<Module>> {
    let mut out = Vec::new();
    read_module(&crate_dir.join("src/lib.rs"), Vec::new(), &mut out)?;
    Ok(out)
}

fn read_module(file: &Path, path: Vec<String>, out: &mut Vec<Module>) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed = syn::parse_file(&text).with_context(|| format!("parsing {}", file.display()))?;
    add_items(file, path, parsed.items, out)
}

fn add_items(
    file: &Path,
    path: Vec<String>,
    items: Vec<Item>,
    out: &mut Vec<Module>,
) -> Result<()> {
    let mut kept = Vec::new();
    for item in items {
        if is_test_only(item_attrs(&item)) {
            continue;
        }
        if let Item::Mod(module) = &item {
            let name = module.ident.to_string();
            let mut child = path.clone();
            child.push(name.clone());
            match &module.content {
                Some((_, inner)) => add_items(file, child, inner.clone(), out)?,
                None => {
                    let dir = module_dir(file);
                    let candidates = [
                        dir.join(format!("{name}.rs")),
                        dir.join(&name).join("mod.rs"),
                    ];
                    let Some(found) = candidates.iter().find(|c| c.exists()) else {
                        bail!("module {name} of {} not found", file.display());
                    };
                    read_module(found, child, out)?;
                }
            }
        }
        kept.push(item);
    }
    out.push(Module { path, items: kept });
    Ok(())
}

/// The directory of a file's child modules: `src/` for `lib.rs` and `mod.rs`, `src/auth/` for
/// `src/auth.rs`.
fn module_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    match file.file_name().and_then(|n| n.to_str()) {
        Some("lib.rs" | "mod.rs") => parent,
        _ => parent.join(file.file_stem().unwrap_or_default()),
    }
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        _ => &[],
    }
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn attr_text(attr: &Attribute) -> String {
    attr.meta.to_token_stream().to_string().replace(' ', "")
}

fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| attr_text(a) == "cfg(test)")
}

fn is_hidden(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| attr_text(a) == "doc(hidden)")
}

/// The `use` items of a module (only the `pub` ones when `public_only`): (the name it is
/// bound to, the path it names).
fn uses(module: &Module, public_only: bool) -> Vec<(String, String)> {
    fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(&p.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                out.push((n.ident.to_string(), full.join("::")));
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                out.push((r.rename.to_string(), full.join("::")));
            }
            syn::UseTree::Glob(_) => {
                out.push(("*".into(), format!("{}::*", prefix.join("::"))));
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    walk(item, prefix, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for item in &module.items {
        if let Item::Use(u) = item {
            if !public_only || (is_pub(&u.vis) && !is_hidden(&u.attrs)) {
                walk(&u.tree, &mut Vec::new(), &mut out);
            }
        }
    }
    out
}

/// The crate's top-level modules and the top-level modules each one uses (`crate::x` paths
/// in its code, tests left out), one line per module: `labels -> error, filter, governance`.
pub fn module_graph(crate_dir: &Path) -> Result<BTreeMap<String, BTreeSet<String>>> {
    struct Paths<'a>(&'a mut BTreeSet<String>);
    impl<'ast> Visit<'ast> for Paths<'_> {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            let mut segments = path.segments.iter();
            if segments.next().is_some_and(|s| s.ident == "crate") {
                if let Some(next) = segments.next() {
                    self.0.insert(next.ident.to_string());
                }
            }
            syn::visit::visit_path(self, path);
        }
        fn visit_use_tree(&mut self, tree: &'ast syn::UseTree) {
            if let syn::UseTree::Path(p) = tree {
                if p.ident == "crate" {
                    let mut firsts = Vec::new();
                    collect_first(&p.tree, &mut firsts);
                    self.0.extend(firsts);
                    return;
                }
            }
            syn::visit::visit_use_tree(self, tree);
        }
    }
    fn collect_first(tree: &syn::UseTree, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => out.push(p.ident.to_string()),
            syn::UseTree::Name(n) => out.push(n.ident.to_string()),
            syn::UseTree::Rename(r) => out.push(r.ident.to_string()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|i| collect_first(i, out)),
            syn::UseTree::Glob(_) => {}
        }
    }
    let modules = modules(crate_dir)?;
    let tops: BTreeSet<String> = modules
        .iter()
        .filter_map(|m| m.path.first().cloned())
        .collect();
    // `crate::Config` names a root re-export: count the module it comes from.
    let root_aliases: BTreeMap<String, String> = modules
        .iter()
        .filter(|m| m.path.is_empty())
        .flat_map(|m| uses(m, false))
        .filter_map(|(name, target)| {
            let first = target.split("::").next()?.to_string();
            tops.contains(&first).then_some((name, first))
        })
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for module in modules.iter().filter(|m| !m.path.is_empty()) {
        let top = module.path[0].clone();
        let uses = graph.entry(top.clone()).or_default();
        let mut found = BTreeSet::new();
        for item in &module.items {
            if matches!(item, Item::Mod(_)) {
                continue;
            }
            Paths(&mut found).visit_item(item);
        }
        let found: BTreeSet<String> = found
            .into_iter()
            .filter_map(|name| {
                if tops.contains(&name) {
                    Some(name)
                } else {
                    root_aliases.get(&name).cloned()
                }
            })
            .filter(|name| *name != top)
            .collect();
        uses.extend(found);
    }
    Ok(graph)
}

/// The modules of `graph` in layers (each uses only modules of earlier layers), or the
/// modules of a cycle.
pub fn layers(graph: &BTreeMap<String, BTreeSet<String>>) -> Result<Vec<Vec<String>>, Vec<String>> {
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut layers = Vec::new();
    while placed.len() < graph.len() {
        let layer: Vec<String> = graph
            .iter()
            .filter(|(m, uses)| {
                !placed.contains(*m)
                    && uses
                        .iter()
                        .all(|u| placed.contains(u) || !graph.contains_key(u))
            })
            .map(|(m, _)| m.clone())
            .collect();
        if layer.is_empty() {
            return Err(graph
                .keys()
                .filter(|m| !placed.contains(*m))
                .cloned()
                .collect());
        }
        placed.extend(layer.iter().cloned());
        layers.push(layer);
    }
    Ok(layers)
}
