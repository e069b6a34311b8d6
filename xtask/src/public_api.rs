//! The hand-written crate's public API and module graph, read from its source with `syn`: the
//! workspace tests pin both in snapshots, so a PR that changes either shows it as lines.
//!
//! The listing has one line per public item, by the path a user names it with: modules,
//! re-exports, functions, types with their derives, public fields and variants, trait methods,
//! constants, and the public methods of inherent impls (wherever the impl lives). Items under
//! `#[cfg(test)]` or `#[doc(hidden)]` are left out; items of a private module appear only under
//! the public path that re-exports them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Attribute, Item, Visibility};

use crate::surface::type_string;

/// One module of the crate, parsed.
struct Module {
    /// `["labels"]`, `["auth", "user"]`; empty for the crate root.
    path: Vec<String>,
    /// The `#[cfg(feature = ..)]` of its declaration, as a prefix (empty when none).
    cfg: String,
    /// Reachable by users: every module on its path is `pub`.
    public: bool,
    items: Vec<Item>,
}

/// Reads the crate rooted at `src/lib.rs` of `crate_dir`.
fn modules(crate_dir: &Path) -> Result<Vec<Module>> {
    let mut out = Vec::new();
    read_module(
        &crate_dir.join("src/lib.rs"),
        Vec::new(),
        true,
        String::new(),
        &mut out,
    )?;
    Ok(out)
}

fn read_module(
    file: &Path,
    path: Vec<String>,
    public: bool,
    gate: String,
    out: &mut Vec<Module>,
) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed = syn::parse_file(&text).with_context(|| format!("parsing {}", file.display()))?;
    add_items(file, path, public, gate, parsed.items, out)
}

fn add_items(
    file: &Path,
    path: Vec<String>,
    public: bool,
    gate: String,
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
            let child_public = public && is_pub(&module.vis) && !is_hidden(&module.attrs);
            let child_cfg = format!("{gate}{}", marks(&module.attrs));
            match &module.content {
                Some((_, inner)) => {
                    add_items(file, child, child_public, child_cfg, inner.clone(), out)?
                }
                None => {
                    let dir = module_dir(file);
                    let candidates = [
                        dir.join(format!("{name}.rs")),
                        dir.join(&name).join("mod.rs"),
                    ];
                    let Some(found) = candidates.iter().find(|c| c.exists()) else {
                        bail!("module {name} of {} not found", file.display());
                    };
                    read_module(found, child, child_public, child_cfg, out)?;
                }
            }
        }
        kept.push(item);
    }
    out.push(Module {
        path,
        cfg: gate,
        public,
        items: kept,
    });
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

/// `#[non_exhaustive]`, `#[derive(..)]` and `#[cfg(feature = ..)]` of an item, as a prefix.
fn marks(attrs: &[Attribute]) -> String {
    let mut out = String::new();
    for attr in attrs {
        let text = attr_text(attr);
        if text == "non_exhaustive"
            || text.starts_with("derive(")
            || text.starts_with("cfg(feature")
        {
            out.push_str(&format!("#[{text}] "));
        }
    }
    out
}

/// A function signature on one line: `pub fn name(&self, x: u32) -> T`.
fn signature(vis: &Visibility, sig: &syn::Signature) -> String {
    let function = syn::ItemFn {
        attrs: Vec::new(),
        vis: vis.clone(),
        sig: sig.clone(),
        block: Box::new(syn::parse_quote!({})),
    };
    let file = syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![Item::Fn(function)],
    };
    let text = prettyplease::unparse(&file);
    let text = text.trim().trim_end_matches("{}").trim();
    let mut line = String::new();
    for part in text.split('\n') {
        let part = part.trim();
        if !line.is_empty() && !line.ends_with('(') && !part.starts_with(')') {
            line.push(' ');
        }
        line.push_str(part);
    }
    line.replace(",)", ")").replace(", )", ")")
}

fn generics(g: &syn::Generics) -> String {
    if g.params.is_empty() {
        String::new()
    } else {
        type_string(g)
    }
}

/// A public item's definition: its module, name and lines (relative to the item's path).
struct Definition {
    lines: Vec<String>,
}

/// The lines of one item, each starting with the item's name (`Labels`, `Labels::ensure`).
fn item_lines(item: &Item) -> Option<(String, Definition)> {
    let mut lines = Vec::new();
    let name = match item {
        Item::Fn(f) if is_pub(&f.vis) => {
            let name = f.sig.ident.to_string();
            lines.push(format!("{name}: {}", signature(&f.vis, &f.sig)));
            name
        }
        Item::Struct(s) if is_pub(&s.vis) => {
            let name = s.ident.to_string();
            lines.push(format!(
                "{name}: {}pub struct {name}{}",
                marks(&s.attrs),
                generics(&s.generics)
            ));
            match &s.fields {
                syn::Fields::Named(fields) => {
                    for field in &fields.named {
                        if is_pub(&field.vis) {
                            let field_name = field
                                .ident
                                .as_ref()
                                .map(ToString::to_string)
                                .unwrap_or_default();
                            lines.push(format!("{name}.{field_name}: {}", type_string(&field.ty)));
                        }
                    }
                }
                syn::Fields::Unnamed(fields) => {
                    for (i, field) in fields.unnamed.iter().enumerate() {
                        if is_pub(&field.vis) {
                            lines.push(format!("{name}.{i}: {}", type_string(&field.ty)));
                        }
                    }
                }
                syn::Fields::Unit => {}
            }
            name
        }
        Item::Enum(e) if is_pub(&e.vis) => {
            let name = e.ident.to_string();
            lines.push(format!(
                "{name}: {}pub enum {name}{}",
                marks(&e.attrs),
                generics(&e.generics)
            ));
            for variant in &e.variants {
                let fields = match &variant.fields {
                    syn::Fields::Named(f) => format!(
                        " {{ {} }}",
                        f.named
                            .iter()
                            .map(|f| format!(
                                "{}: {}",
                                f.ident
                                    .as_ref()
                                    .map(ToString::to_string)
                                    .unwrap_or_default(),
                                type_string(&f.ty)
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    syn::Fields::Unnamed(f) => format!(
                        "({})",
                        f.unnamed
                            .iter()
                            .map(|f| type_string(&f.ty))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    syn::Fields::Unit => String::new(),
                };
                lines.push(format!("{name}::{}: variant{fields}", variant.ident));
            }
            name
        }
        Item::Trait(t) if is_pub(&t.vis) => {
            let name = t.ident.to_string();
            let bounds = if t.supertraits.is_empty() {
                String::new()
            } else {
                format!(": {}", type_string(&t.supertraits))
            };
            lines.push(format!(
                "{name}: pub trait {name}{}{bounds}",
                generics(&t.generics)
            ));
            for inner in &t.items {
                if let syn::TraitItem::Fn(f) = inner {
                    lines.push(format!(
                        "{name}::{}: {}",
                        f.sig.ident,
                        signature(&Visibility::Inherited, &f.sig)
                    ));
                }
            }
            name
        }
        Item::Const(c) if is_pub(&c.vis) => {
            let name = c.ident.to_string();
            lines.push(format!("{name}: pub const {name}: {}", type_string(&c.ty)));
            name
        }
        Item::Static(s) if is_pub(&s.vis) => {
            let name = s.ident.to_string();
            lines.push(format!("{name}: pub static {name}: {}", type_string(&s.ty)));
            name
        }
        Item::Type(t) if is_pub(&t.vis) => {
            let name = t.ident.to_string();
            lines.push(format!(
                "{name}: pub type {name}{} = {}",
                generics(&t.generics),
                type_string(&t.ty)
            ));
            name
        }
        _ => return None,
    };
    if is_hidden(item_attrs(item)) {
        return None;
    }
    Some((name, Definition { lines }))
}

/// The public methods of inherent impls, by the implemented type's name.
fn impl_lines(modules: &[Module]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for module in modules {
        for item in &module.items {
            let Item::Impl(block) = item else { continue };
            let syn::Type::Path(ty) = &*block.self_ty else {
                continue;
            };
            let Some(last) = ty.path.segments.last() else {
                continue;
            };
            let type_name = last.ident.to_string();
            if let Some((_, trait_path, _)) = &block.trait_ {
                let trait_name = type_string(trait_path);
                out.entry(type_name.clone())
                    .or_default()
                    .push(format!("{type_name}: impl {trait_name}"));
                continue;
            }
            for inner in &block.items {
                if let syn::ImplItem::Fn(f) = inner {
                    if is_pub(&f.vis) && !is_hidden(&f.attrs) && !is_test_only(&f.attrs) {
                        out.entry(type_name.clone()).or_default().push(format!(
                            "{type_name}::{}: {}",
                            f.sig.ident,
                            signature(&f.vis, &f.sig)
                        ));
                    }
                }
            }
        }
    }
    out
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

/// A `use` path as a module path of this crate (`crate::error::flows::LabelError` ->
/// `error::flows::LabelError`), or `None` for another crate's path.
fn crate_path(module: &[String], path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = match parts.first() {
        Some(&"crate") => Vec::new(),
        Some(&"self") => module.to_vec(),
        Some(&"super") => module[..module.len().saturating_sub(1)].to_vec(),
        _ => {
            // A sibling module named by its bare name (`pub use auth::Credentials` in lib.rs).
            let mut p = module.to_vec();
            p.push(parts[0].to_string());
            return Some(
                p.into_iter()
                    .chain(parts[1..].iter().map(|s| s.to_string()))
                    .collect::<Vec<_>>()
                    .join("::"),
            );
        }
    };
    base.extend(parts[1..].iter().map(|s| s.to_string()));
    Some(base.join("::"))
}

/// One line per public item of the crate in `crate_dir` named `crate_name`, sorted.
pub fn public_api(crate_dir: &Path, crate_name: &str) -> Result<String> {
    let modules = modules(crate_dir)?;
    let module_names: BTreeSet<String> = modules.iter().map(|m| m.path.join("::")).collect();
    // Every public item, by its definition path (`labels::Labels`).
    let mut defined: BTreeMap<String, (bool, Definition)> = BTreeMap::new();
    for module in &modules {
        for item in &module.items {
            if let Some((name, definition)) = item_lines(item) {
                let mut path = module.path.clone();
                path.push(name);
                defined.insert(path.join("::"), (module.public, definition));
            }
        }
    }
    // Every `use` of the crate, by the path it binds (`auth::SigningKey` ->
    // `auth::keys::SigningKey`), to follow re-exports of re-exports.
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    for module in &modules {
        for (name, target) in uses(module, false) {
            if let Some(resolved) = crate_path(&module.path, &target) {
                let mut bound = module.path.clone();
                bound.push(name);
                aliases.insert(bound.join("::"), resolved);
            }
        }
    }
    let resolve = |path: String| {
        let mut path = path;
        for _ in 0..8 {
            match aliases.get(&path) {
                Some(next) if !defined.contains_key(&path) => path = next.clone(),
                _ => break,
            }
        }
        path
    };
    let impls = impl_lines(&modules);
    let mut lines = BTreeSet::new();
    let emit = |lines: &mut BTreeSet<String>,
                public_path: &str,
                definition: &Definition,
                type_name: &str| {
        for line in &definition.lines {
            lines.insert(format!("{crate_name}::{public_path}{line}"));
        }
        for line in impls.get(type_name).into_iter().flatten() {
            lines.insert(format!("{crate_name}::{public_path}{line}"));
        }
    };
    for (path, (public, definition)) in &defined {
        if *public {
            let (module, name) = path
                .rsplit_once("::")
                .map(|(m, n)| (format!("{m}::"), n))
                .unwrap_or((String::new(), path.as_str()));
            emit(&mut lines, &module, definition, name);
        }
    }
    // Shortest paths first: an item of a private module is listed in full once, under the
    // shortest path that re-exports it (the crate root's, mostly); the other paths show as
    // `pub use` lines.
    let mut public_modules: Vec<&Module> = modules.iter().filter(|m| m.public).collect();
    public_modules.sort_by_key(|m| m.path.len());
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for module in public_modules {
        let here = if module.path.is_empty() {
            String::new()
        } else {
            format!("{}::", module.path.join("::"))
        };
        if !module.path.is_empty() {
            lines.insert(format!(
                "{crate_name}::{}: {}pub mod",
                module.path.join("::"),
                module.cfg
            ));
        }
        // Every `pub use`: the name it is exported as, the path it names.
        for (exported, target) in uses(module, true) {
            let resolved = crate_path(&module.path, &target).map(&resolve);
            let internal = resolved
                .as_ref()
                .filter(|p| defined.contains_key(*p) || module_names.contains(*p));
            match internal {
                Some(target_path) => {
                    lines.insert(format!(
                        "{crate_name}::{here}{exported}: pub use crate::{target_path}"
                    ));
                    // An item of a private module is listed in full under this path.
                    if let Some((false, definition)) = defined.get(target_path) {
                        if listed.insert(target_path.clone()) {
                            emit(&mut lines, &here, definition, &exported);
                        }
                    }
                }
                None => {
                    lines.insert(format!("{crate_name}::{here}{exported}: pub use {target}"));
                }
            }
        }
    }
    Ok(lines.into_iter().collect::<Vec<_>>().join("\n") + "\n")
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
