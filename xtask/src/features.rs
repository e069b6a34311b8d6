//! One cargo feature per spec tag: an operation is compiled with the feature of its tag (the tag
//! in kebab-case: `labels`, `security-access-reviews`), and a type with every feature whose
//! operations reach it, directly or through other types. Computed from the generated syntax
//! tree (no hand-kept lists) and written as `#[cfg(..)]` attributes on the generated items and
//! as the `[features]` tables of the two crates.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use heck::ToKebabCase;
use syn::visit::Visit;
use syn::{Attribute, Item};

use crate::surface::OpSurface;

/// The feature of a tag (`Principal Access - V2` -> `principal-access-v2`).
pub fn feature_name(tag: &str) -> String {
    tag.to_kebab_case()
}

/// What each generated item is compiled with.
#[derive(Debug, Default)]
pub struct Plan {
    /// Every feature, sorted.
    pub features: BTreeSet<String>,
    /// The operations' builders (`ListLabels`) -> feature.
    pub builders: BTreeMap<String, String>,
    /// The per-tag traits (`ClientLabelsExt`) -> feature.
    pub traits: BTreeMap<String, String>,
    /// The generated types -> the features whose operations reach them (empty: reached by no
    /// operation).
    pub types: BTreeMap<String, BTreeSet<String>>,
    /// For each of the client's [`TYPE_DEPENDENCIES`], the features that compile a type using
    /// it: each of them turns that optional dependency on, so a build whose types have no
    /// `pattern` does not compile a regex engine, and one without a `uuid` field no UUID crate.
    pub dependencies: BTreeMap<&'static str, BTreeSet<String>>,
}

/// The client's optional dependencies that only some generated types use: `regress` (a
/// `pattern` checked in `FromStr`) and `uuid` (`format: uuid`). A generated item uses one when
/// it names the crate (`::regress::Regex`, `::uuid::Uuid`).
pub const TYPE_DEPENDENCIES: [&str; 2] = ["regress", "uuid"];

impl Plan {
    /// Operations and types compiled with `features` on: `(operations, types, all types)`.
    pub fn compiled(&self, features: &[&str]) -> (usize, usize, usize) {
        let on = |f: &String| features.contains(&f.as_str());
        let ops = self.builders.values().filter(|f| on(f)).count();
        let types = self.types.values().filter(|s| s.iter().any(on)).count();
        (ops, types, self.types.len())
    }

    /// Operations and types each feature compiles: `(feature, operations, types)`.
    pub fn sizes(&self) -> Vec<(String, usize, usize)> {
        self.features
            .iter()
            .map(|f| {
                let ops = self.builders.values().filter(|v| *v == f).count();
                let types = self.types.values().filter(|s| s.contains(f)).count();
                (f.clone(), ops, types)
            })
            .collect()
    }
}

/// The identifiers of every path segment in a piece of syntax.
#[derive(Default)]
struct Idents(BTreeSet<String>);

impl<'ast> Visit<'ast> for Idents {
    fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
        self.0.insert(segment.ident.to_string());
        syn::visit::visit_path_segment(self, segment);
    }
    fn visit_use_name(&mut self, name: &'ast syn::UseName) {
        self.0.insert(name.ident.to_string());
    }
    fn visit_use_rename(&mut self, rename: &'ast syn::UseRename) {
        self.0.insert(rename.ident.to_string());
    }
}

fn idents_of(visit: impl FnOnce(&mut Idents)) -> BTreeSet<String> {
    let mut idents = Idents::default();
    visit(&mut idents);
    idents.0
}

/// The name of the type an `impl` is for (`impl From<&X> for super::X` -> `X`).
fn self_type(block: &syn::ItemImpl) -> Option<String> {
    match &*block.self_ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn module<'a>(items: &'a [Item], name: &str) -> Option<&'a [Item]> {
    items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    })
}

fn module_mut<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn defined_name(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Enum(e) => Some(e.ident.to_string()),
        Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

/// Computes the plan from the generated file and its operations.
pub fn plan(file: &syn::File, ops: &[OpSurface]) -> Result<Plan> {
    let types_mod =
        module(&file.items, "types").context("no `types` module in the generated code")?;
    let type_names: BTreeSet<String> = types_mod.iter().filter_map(defined_name).collect();
    // What each type refers to: its definition, its impls, and its builder's.
    let mut refs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add_refs = |name: String, found: BTreeSet<String>| {
        let entry = refs.entry(name.clone()).or_default();
        entry.extend(
            found
                .into_iter()
                .filter(|i| *i != name && type_names.contains(i)),
        );
    };
    // The types whose items use each of the optional dependencies.
    let mut users: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for item in types_mod {
        let owner = match item {
            Item::Impl(block) => self_type(block),
            other => defined_name(other),
        };
        if let Some(owner) = owner.filter(|o| type_names.contains(o)) {
            let idents = idents_of(|v| v.visit_item(item));
            for dependency in TYPE_DEPENDENCIES {
                if idents.contains(dependency) {
                    users.entry(dependency).or_default().insert(owner.clone());
                }
            }
            add_refs(owner, idents);
        }
    }
    if let Some(builders) = module(types_mod, "builder") {
        for item in builders {
            let owner = match item {
                Item::Impl(block) => self_type(block),
                other => defined_name(other),
            };
            if let Some(owner) = owner.filter(|o| type_names.contains(o)) {
                add_refs(owner, idents_of(|v| v.visit_item(item)));
            }
        }
    }
    // The types each operation's builder names, and the closure over `refs`.
    let op_builders = module(&file.items, "builder").context("no `builder` module")?;
    let mut plan = Plan::default();
    for op in ops {
        let feature = feature_name(&op.meta.tag);
        plan.features.insert(feature.clone());
        plan.builders.insert(op.builder.clone(), feature.clone());
        if let Some(previous) = plan.traits.insert(op.ext_trait.clone(), feature.clone()) {
            if previous != feature {
                bail!(
                    "trait {} holds operations of two tags ({previous}, {feature})",
                    op.ext_trait
                );
            }
        }
        let mut roots = BTreeSet::new();
        for item in op_builders {
            let owner = match item {
                Item::Impl(block) => self_type(block),
                Item::Struct(s) => Some(s.ident.to_string()),
                _ => None,
            };
            if owner.as_deref() == Some(op.builder.as_str()) {
                roots.extend(
                    idents_of(|v| v.visit_item(item))
                        .into_iter()
                        .filter(|i| type_names.contains(i)),
                );
            }
        }
        let mut stack: Vec<String> = roots.into_iter().collect();
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            plan.types
                .entry(name.clone())
                .or_default()
                .insert(feature.clone());
            stack.extend(refs.get(&name).into_iter().flatten().cloned());
        }
    }
    for name in &type_names {
        plan.types.entry(name.clone()).or_default();
    }
    // A type compiled with any of its features needs the dependency with each of them; a type
    // reached by no operation is compiled only with every feature, so one of them suffices.
    for (dependency, names) in users {
        let with = plan.dependencies.entry(dependency).or_default();
        for name in &names {
            match plan.types.get(name) {
                Some(features) if !features.is_empty() => with.extend(features.iter().cloned()),
                _ => with.extend(plan.features.iter().next().cloned()),
            }
        }
    }
    Ok(plan)
}

/// `#[cfg(feature = "a")]` or `#[cfg(any(feature = "a", feature = "b"))]`; for an item no
/// operation reaches, `#[cfg(all(..every feature..))]`.
fn cfg_any(features: &BTreeSet<String>, all: &BTreeSet<String>) -> Attribute {
    if features.len() == 1 {
        let feature = features
            .iter()
            .next()
            .map(String::as_str)
            .unwrap_or_default();
        syn::parse_quote!(#[cfg(feature = #feature)])
    } else if features.is_empty() {
        // Reached by no operation: compiled when every tag is (the default), so the full
        // build keeps every schema and a lean one drops them.
        let list = all.iter().map(|f| quote::quote!(feature = #f));
        syn::parse_quote!(#[cfg(all(#(#list),*))])
    } else {
        let list = features.iter().map(|f| quote::quote!(feature = #f));
        syn::parse_quote!(#[cfg(any(#(#list),*))])
    }
}

fn attrs_mut(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    match item {
        Item::Struct(i) => Some(&mut i.attrs),
        Item::Enum(i) => Some(&mut i.attrs),
        Item::Type(i) => Some(&mut i.attrs),
        Item::Impl(i) => Some(&mut i.attrs),
        Item::Trait(i) => Some(&mut i.attrs),
        Item::Use(i) => Some(&mut i.attrs),
        Item::Fn(i) => Some(&mut i.attrs),
        Item::Const(i) => Some(&mut i.attrs),
        _ => None,
    }
}

/// Puts the plan's `#[cfg]` on every generated item it covers.
pub fn apply(file: &mut syn::File, plan: &Plan) -> Result<()> {
    let gate = |item: &mut Item, features: &BTreeSet<String>| {
        if let Some(attrs) = attrs_mut(item) {
            attrs.insert(0, cfg_any(features, &plan.features));
        }
    };
    let one = |f: &String| BTreeSet::from([f.clone()]);
    // Types, their builders, and the defaults that name types. An item owned by a type (its
    // definition, an impl for it) goes with the type; any other item that names types (an
    // `impl From<X> for String`, a default value) needs every type it names.
    let process = |item: &mut Item| {
        let owner = match &*item {
            Item::Impl(block) => self_type(block),
            other => defined_name(other),
        };
        if let Some(features) = owner.as_ref().and_then(|o| plan.types.get(o)) {
            let features = features.clone();
            gate(item, &features);
            return;
        }
        let named: Vec<BTreeSet<String>> = idents_of(|v| v.visit_item(item))
            .iter()
            .filter_map(|i| plan.types.get(i).cloned())
            .collect();
        if named.is_empty() {
            return;
        }
        let conditions: Vec<proc_macro2::TokenStream> = named
            .iter()
            .map(|features| match cfg_any(features, &plan.features).meta {
                syn::Meta::List(list) => list.tokens,
                other => quote::quote!(#other),
            })
            .collect();
        if let Some(attrs) = attrs_mut(item) {
            attrs.insert(0, syn::parse_quote!(#[cfg(all(#(#conditions),*))]));
        }
    };
    let types_mod = module_mut(&mut file.items, "types").context("no `types` module")?;
    for item in types_mod.iter_mut() {
        match item {
            Item::Mod(m) if m.ident == "builder" || m.ident == "defaults" => {
                if let Some((_, inner)) = m.content.as_mut() {
                    inner.iter_mut().for_each(process);
                }
            }
            Item::Mod(_) => {}
            other => process(other),
        }
    }
    // Operation builders.
    let builders = module_mut(&mut file.items, "builder").context("no `builder` module")?;
    for item in builders.iter_mut() {
        let owner = match &*item {
            Item::Impl(block) => self_type(block),
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        };
        if let Some(feature) = owner.and_then(|o| plan.builders.get(&o)) {
            let features = one(feature);
            gate(item, &features);
        }
    }
    // The per-tag traits, their impls for `Client`, and their prelude entries.
    for item in file.items.iter_mut() {
        let name = match &*item {
            Item::Trait(t) => Some(t.ident.to_string()),
            Item::Impl(block) => block
                .trait_
                .as_ref()
                .and_then(|(_, path, _)| path.segments.last().map(|s| s.ident.to_string())),
            _ => None,
        };
        if let Some(feature) = name.and_then(|n| plan.traits.get(&n)) {
            let features = one(feature);
            gate(item, &features);
        }
    }
    if let Some(prelude) = module_mut(&mut file.items, "prelude") {
        for item in prelude.iter_mut() {
            let Item::Use(u) = item else { continue };
            let named = idents_of(|v| v.visit_item_use(u));
            let feature = named.iter().find_map(|n| plan.traits.get(n)).cloned();
            if let Some(feature) = feature {
                let features = one(&feature);
                gate(item, &features);
            }
        }
    }
    Ok(())
}

/// Replaces the text between `begin` and `end` marker lines of `text` with `block`.
pub fn replace_block(text: &str, begin: &str, end: &str, block: &str) -> Result<String> {
    let start = text
        .find(begin)
        .with_context(|| format!("marker `{begin}` not found"))?;
    let stop = text[start..]
        .find(end)
        .with_context(|| format!("marker `{end}` not found"))?
        + start;
    Ok(format!(
        "{}{begin}\n{block}{}",
        &text[..start],
        &text[stop..]
    ))
}

/// The client crate's default features that are not tags (declared by hand after the generated
/// block): reqwest's own rustls TLS, for `Client::new`.
pub const CLIENT_DEFAULT_EXTRAS: [&str; 1] = ["rustls"];

/// The client crate's generated `[features]` entries.
pub fn client_features(plan: &Plan) -> String {
    let mut out = String::new();
    let all: Vec<String> = CLIENT_DEFAULT_EXTRAS
        .iter()
        .map(|f| f.to_string())
        .chain(plan.features.iter().cloned())
        .map(|f| format!("\"{f}\""))
        .collect();
    out.push_str(&format!("default = [{}]\n", all.join(", ")));
    for (feature, ops, types) in plan.sizes() {
        let deps: Vec<String> = plan
            .dependencies
            .iter()
            .filter(|(_, features)| features.contains(&feature))
            .map(|(dependency, _)| format!("\"dep:{dependency}\""))
            .collect();
        let deps = deps.join(", ");
        out.push_str(&format!(
            "## {ops} operations, {types} types\n{feature} = [{deps}]\n"
        ));
    }
    out
}

/// The SDK's default crypto and TLS backends (features declared by hand after the generated
/// block), listed first in its generated `default`.
pub const EXT_DEFAULT_BACKENDS: [&str; 2] = ["ring", "rustls-ring"];

/// The SDK's other default features (declared by hand): the user sign-in and YAML files,
/// listed after the backends in its generated `default`.
pub const EXT_DEFAULT_OPTIONS: [&str; 2] = ["user-sign-in", "yaml"];

/// The ext crate's generated `[features]` entries: the default backends and every tag, each tag
/// forwarded to the client crate.
pub fn ext_features(plan: &Plan) -> String {
    let mut out = String::new();
    let all: Vec<String> = EXT_DEFAULT_BACKENDS
        .iter()
        .chain(&EXT_DEFAULT_OPTIONS)
        .map(|f| f.to_string())
        .chain(plan.features.iter().cloned())
        .map(|f| format!("\"{f}\""))
        .collect();
    out.push_str(&format!("default = [{}]\n", all.join(", ")));
    for feature in &plan.features {
        out.push_str(&format!(
            "{feature} = [\"okta-governance-client/{feature}\"]\n"
        ));
    }
    out
}

/// The lean set of the label and security-access-review flows.
pub const LEAN: &str = "labels,security-access-reviews";

/// Runs `cargo <verb> -p <package> --no-default-features --features <features>` (or with the
/// default features), failing on any error or warning of the workspace's crates.
fn cargo(verb: &str, package: &str, features: Option<&str>) -> Result<()> {
    let mut command =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args([verb, "--quiet", "--message-format=short", "-p", package]);
    if let Some(features) = features {
        command.args(["--no-default-features", "--features", features]);
    }
    let label = format!("{verb} {package} [{}]", features.unwrap_or("default"));
    let output = command
        .output()
        .with_context(|| format!("running {label}"))?;
    let text = String::from_utf8_lossy(&output.stderr);
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("error") || l.contains("warning:"))
        .collect();
    if !output.status.success() || !problems.is_empty() {
        bail!(
            "{label} failed:\n{}",
            if problems.is_empty() {
                text.to_string()
            } else {
                problems.join("\n")
            }
        );
    }
    eprintln!("ok  {label}");
    Ok(())
}

/// Runs the library tests of `package` whose names contain `filter`, with only `features`,
/// failing on a failed test or on any warning of the build (dead code in that feature set).
fn cargo_test_lib(package: &str, features: &str, filter: &str) -> Result<()> {
    let output =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["test", "--quiet", "--lib", "-p", package])
            .args(["--no-default-features", "--features", features, filter])
            .output()
            .context("running cargo test")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || stderr.contains("warning:") {
        bail!(
            "cargo test -p {package} --lib [{features}] {filter} failed:\n{}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    eprintln!("ok  test {package} [{features}] {filter}");
    Ok(())
}

/// `cargo xtask features [--build]`: every tag alone, none, the lean set and the default
/// compile without a warning, for both crates (the SDK's flows need their tags); `--build`
/// builds the tag-less and the lean client instead of checking them.
pub fn check_all(build: bool) -> Result<()> {
    let manifest =
        std::fs::read_to_string(crate::workspace_root().join("governance-client/Cargo.toml"))?;
    let tags: Vec<String> = manifest
        .lines()
        .find_map(|l| l.strip_prefix("default = ["))
        .context("no generated default feature list in governance-client/Cargo.toml")?
        .trim_end_matches(']')
        .split(',')
        .map(|t| t.trim().trim_matches('"').to_string())
        .filter(|t| !t.is_empty() && !CLIENT_DEFAULT_EXTRAS.contains(&t.as_str()))
        .collect();
    let client = "okta-governance-client";
    let sdk = "okta-governance";
    let verb = if build { "build" } else { "check" };
    cargo(verb, client, Some(""))?;
    cargo(verb, client, Some(LEAN))?;
    // The default is built by every test run; checking it is enough here.
    cargo("check", client, None)?;
    for tag in &tags {
        cargo("check", client, Some(tag))?;
    }
    // The SDK needs a crypto backend; with `default-features = false` a dependent names one.
    let with = |features: &str| format!("{},{features}", EXT_DEFAULT_BACKENDS.join(","));
    cargo("check", sdk, Some(&with("")))?;
    cargo("check", sdk, Some(&with("labels")))?;
    cargo("check", sdk, Some(&with("security-access-reviews")))?;
    // A reviewer-only build: the review handle and `my_security_access_review` without the
    // admin feature.
    cargo("check", sdk, Some(&with("my-security-access-reviews")))?;
    cargo("check", sdk, Some(&with(LEAN)))?;
    // The campaign flow: both tags it calls.
    cargo("check", sdk, Some(&with("campaigns,reviews")))?;
    // The other backends: aws-lc-rs for signing and TLS, and no TLS of the SDK's own.
    cargo(
        "check",
        sdk,
        Some(&format!("aws-lc-rs,rustls-aws-lc-rs,{LEAN}")),
    )?;
    cargo("check", sdk, Some(&format!("ring,{LEAN}")))?;
    // Without a TLS feature an `https` org needs the caller's client; without `yaml` an
    // `okta.yaml` that exists is refused naming the feature, and a campaign file must be JSON:
    // run those tests in such a build (one build, three filters).
    let bare = "ring,labels,campaigns,reviews";
    for filter in ["tls::tests", "config::tests", "campaigns::"] {
        cargo_test_lib(sdk, bare, filter)?;
    }
    cargo("check", sdk, None)?;
    eprintln!(
        "{} tags, each alone, none, lean and default: all compile",
        tags.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str, tag: &str, builder: &str, ext_trait: &str) -> OpSurface {
        OpSurface {
            meta: crate::meta::Operation {
                id: id.into(),
                method: "GET".into(),
                path: "/x".into(),
                tag: tag.into(),
                summary: String::new(),
                scopes: Vec::new(),
                ssws: false,
                lifecycle: "GA".into(),
                paginated: false,
                parameters: Vec::new(),
                request_body: None,
                responses: Vec::new(),
            },
            rust_method: id.into(),
            ext_trait: ext_trait.into(),
            builder: builder.into(),
            params: Vec::new(),
            body: None,
            success: String::new(),
        }
    }

    /// Two tags sharing a type through another type; a conversion into a foreign type.
    fn file() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                pub struct Label { pub value: Value, pub id: LabelId }
                pub struct Value(String);
                pub struct LabelId(pub ::uuid::Uuid);
                pub struct Review { pub name: String, pub label: Option<Label>, pub reviewer: Reviewer }
                pub struct Reviewer(String);
                impl std::str::FromStr for Reviewer {
                    type Err = String;
                    fn from_str(v: &str) -> Result<Self, String> {
                        let _ = ::regress::Regex::new("00u[0-9a-zA-Z]+").unwrap().find(v);
                        todo!()
                    }
                }
                pub struct Unused;
                impl From<Value> for String { fn from(v: Value) -> String { v.0 } }
                pub mod builder {
                    pub struct Label { value: Result<super::Value, String> }
                    impl TryFrom<Label> for super::Label { type Error = String; fn try_from(b: Label) -> Result<super::Label, String> { todo!() } }
                }
            }
            pub mod builder {
                pub struct ListLabels<'a> { client: &'a super::Client }
                impl<'a> ListLabels<'a> { pub fn send(self) -> Result<types::Label, ()> { todo!() } }
                pub struct GetReview<'a> { client: &'a super::Client }
                impl<'a> GetReview<'a> { pub fn send(self) -> Result<types::Review, ()> { todo!() } }
            }
            pub trait ClientLabelsExt { fn list_labels(&self) -> builder::ListLabels; }
            impl ClientLabelsExt for Client { fn list_labels(&self) -> builder::ListLabels { todo!() } }
            pub trait ClientSecurityAccessReviewsExt { fn get_review(&self) -> builder::GetReview; }
            pub mod prelude {
                pub use super::Client;
                pub use super::ClientLabelsExt;
                pub use super::ClientSecurityAccessReviewsExt;
            }
        }
    }

    fn ops() -> Vec<OpSurface> {
        vec![
            op("listLabels", "Labels", "ListLabels", "ClientLabelsExt"),
            op(
                "getReview",
                "Security Access Reviews",
                "GetReview",
                "ClientSecurityAccessReviewsExt",
            ),
        ]
    }

    fn set(features: &[&str]) -> BTreeSet<String> {
        features.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn types_get_the_features_of_every_operation_that_reaches_them() {
        let plan = plan(&file(), &ops()).unwrap();
        assert_eq!(plan.features, set(&["labels", "security-access-reviews"]));
        assert_eq!(
            plan.types["Label"],
            set(&["labels", "security-access-reviews"])
        );
        assert_eq!(
            plan.types["Value"],
            set(&["labels", "security-access-reviews"])
        );
        assert_eq!(plan.types["Review"], set(&["security-access-reviews"]));
        assert_eq!(plan.types["Unused"], set(&[]));
        assert_eq!(plan.builders["ListLabels"], "labels");
        assert_eq!(
            plan.traits["ClientSecurityAccessReviewsExt"],
            "security-access-reviews"
        );
    }

    #[test]
    fn only_the_features_that_compile_a_type_using_an_optional_dependency_turn_it_on() {
        let plan = plan(&file(), &ops()).unwrap();
        assert_eq!(plan.types["Reviewer"], set(&["security-access-reviews"]));
        assert_eq!(
            plan.dependencies["regress"],
            set(&["security-access-reviews"])
        );
        assert_eq!(
            plan.dependencies["uuid"],
            set(&["labels", "security-access-reviews"])
        );
        let manifest = client_features(&plan);
        assert!(
            manifest.contains("\nsecurity-access-reviews = [\"dep:regress\", \"dep:uuid\"]\n"),
            "{manifest}"
        );
        assert!(
            manifest.contains("\nlabels = [\"dep:uuid\"]\n"),
            "{manifest}"
        );
    }

    #[test]
    fn every_item_gets_its_gate() {
        let mut file = file();
        let plan = plan(&file, &ops()).unwrap();
        apply(&mut file, &plan).unwrap();
        let text = prettyplease::unparse(&file).replace(['\n', ' '], "");
        for expected in [
            r#"#[cfg(any(feature="labels",feature="security-access-reviews"))]pubstructLabel"#,
            r#"#[cfg(feature="security-access-reviews")]pubstructReview"#,
            // Reached by no operation: only in the build with every tag.
            r#"#[cfg(all(feature="labels",feature="security-access-reviews"))]pubstructUnused"#,
            // A conversion into a foreign type needs the types it names.
            r#"#[cfg(all(any(feature="labels",feature="security-access-reviews")))]implFrom<Value>forString"#,
            r#"#[cfg(any(feature="labels",feature="security-access-reviews"))]implTryFrom<Label>forsuper::Label"#,
            r#"#[cfg(feature="labels")]pubstructListLabels"#,
            r#"#[cfg(feature="labels")]pubtraitClientLabelsExt"#,
            r#"#[cfg(feature="labels")]implClientLabelsExtforClient"#,
            r#"#[cfg(feature="labels")]pubusesuper::ClientLabelsExt;"#,
        ] {
            assert!(text.contains(expected), "missing {expected}");
        }
        // The client itself is always there.
        assert!(text.contains("pubmodprelude{pubusesuper::Client;"));
    }

    #[test]
    fn the_manifest_block_is_replaced_between_its_markers() {
        let text = "[features]\n# begin\nold = []\n# end\nother = []\n";
        assert_eq!(
            replace_block(text, "# begin", "# end", "new = []\n").unwrap(),
            "[features]\n# begin\nnew = []\n# end\nother = []\n"
        );
        assert!(replace_block("[features]\n", "# begin", "# end", "").is_err());
    }
}
