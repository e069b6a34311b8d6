//! Rewrites of progenitor's syntax tree before formatting.
//!
//! `open-enums`: every string enum of `types` gets a last variant
//! `#[serde(untagged)] Unrecognized(String)`, so a value the spec does not list (the live API
//! sends some, and the spec's own examples use others) decodes and re-encodes unchanged instead
//! of failing the whole response. Enums of a single value are constants that tell the variants
//! of a union apart, and stay closed. `FromStr`/`TryFrom<&str>` stay strict: a caller typing a
//! value gets an error for an unknown one; only decoding is open.
//!
//! `decode-through-hooks`: every `ResponseValue::from_response(response)` of a builder's
//! `send()` becomes `crate::hooks::decode(client, response, &info)`, which decodes the same way
//! but, when a transport is installed, reports a body that does not decode together with the
//! operation and the status (progenitor's own error keeps only the bytes).
//!
//! `unexpected-through-hooks`: every `Error::UnexpectedResponse(response)` of a `send()` becomes
//! `Error::UnexpectedResponse(crate::hooks::unexpected(response))`: a transport that read the
//! body already hands it back in the response's extensions, and this puts it back as the body
//! before the caller sees the response.
//!
//! `path-segments-through-hooks`: every `encode_path(&x.to_string())` in the `format!` that builds
//! a `send()`'s URL becomes `crate::hooks::path_segment(&x.to_string(), "xName")
//! .map_err(Error::InvalidRequest)?`: progenitor's encoder leaves `.` and `\` alone, so a value
//! like `..\..\api\v1\users` would change which endpoint is called; the hook encodes the
//! value as exactly one segment and refuses what cannot be one (`""`, `.`, `..`), naming the
//! parameter by its spec name (the Rust name in lowerCamelCase).
//!
//! `single-header`: where a `send()` builds a header map only to carry one header (the
//! `api-version` every operation sends), the header is set on the request builder directly:
//! the map cost two allocations and a merge on every request. The request on the wire is the
//! same.

use std::collections::BTreeSet;

use quote::quote;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Fields, Item, ItemEnum, ItemImpl};

/// Name of the catch-all variant (a suffix is added if an enum already uses it).
const CATCH_ALL: &str = "Unrecognized";

/// What the spec says the generated code must contain, for checking the rewrites' counts.
#[derive(Debug, Clone, Copy)]
pub struct Expected {
    /// Operations in the spec: one builder `send()` each.
    pub operations: usize,
    /// `{param}` segments over all path templates.
    pub path_params: usize,
}

/// What a rewrite had to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this many sites.
    Exactly(usize),
    /// At least one site in each of this many `send()`s.
    EverySend(usize),
    /// At least one site anywhere.
    Some,
}

/// What one rewrite changed, and what it had to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub rewrite: &'static str,
    /// Sites changed.
    pub sites: usize,
    /// `send()`s that call the rewrite's hook afterwards (per-`send()` rewrites only).
    pub sends: usize,
    pub expect: Expect,
}

impl Count {
    fn met(&self) -> bool {
        match self.expect {
            Expect::Exactly(n) => self.sites == n,
            Expect::EverySend(n) => self.sends == n,
            Expect::Some => self.sites > 0,
        }
    }

    /// The expectation as the report prints it.
    pub fn expected(&self) -> String {
        match self.expect {
            Expect::Exactly(n) => format!("exactly {n}"),
            Expect::EverySend(n) => format!("in each of the {n} send()"),
            Expect::Some => "at least one".into(),
        }
    }
}

/// A rewrite: its name, what it must change, the hook it leaves in each `send()` it changes
/// (if it works per `send()`), and the function.
type Rewrite = (
    &'static str,
    Expect,
    Option<&'static [&'static str]>,
    fn(&mut syn::File) -> usize,
);

/// Applies every rewrite and checks each one's count against what the spec implies. A
/// progenitor release that renames a local or builds URLs differently makes a rewrite stop
/// matching; that fails generation here, naming the rewrite, instead of shipping code that
/// loses response bodies or reopens path traversal at run time.
pub fn apply(file: &mut syn::File, expected: Expected) -> anyhow::Result<Vec<Count>> {
    let sends = send_fns(file).len();
    if sends != expected.operations {
        anyhow::bail!(
            "progenitor's output has {sends} builder send() methods for {} operations; the \
             rewrites assume one per operation (has progenitor changed its builders?)",
            expected.operations
        );
    }
    let rewrites: [Rewrite; 7] = [
        (
            "decode-through-hooks",
            Expect::EverySend(expected.operations),
            Some(&["hooks", "decode"]),
            decode_through_hooks,
        ),
        (
            "unexpected-through-hooks",
            Expect::Exactly(expected.operations),
            Some(&["hooks", "unexpected"]),
            unexpected_through_hooks,
        ),
        (
            "path-segments-through-hooks",
            Expect::Exactly(expected.path_params),
            None,
            path_segments_through_hooks,
        ),
        (
            "single-header",
            Expect::Exactly(expected.operations),
            None,
            single_header,
        ),
        ("prelude-paths", Expect::Some, None, prelude_paths),
        (
            "optional-json-schema",
            Expect::Some,
            None,
            optional_json_schema,
        ),
        ("open-enums", Expect::Some, None, open_types_enums),
    ];
    let mut counts = Vec::new();
    for (rewrite, expect, hook, run) in rewrites {
        let sites = run(file);
        let sends = hook.map_or(0, |hook| {
            send_fns(file)
                .into_iter()
                .filter(|f| calls_in(*f, hook) > 0)
                .count()
        });
        counts.push(Count {
            rewrite,
            sites,
            sends,
            expect,
        });
    }
    let missed: Vec<String> = counts
        .iter()
        .filter(|c| !c.met())
        .map(|c| {
            format!(
                "rewrite {} changed {} site(s) ({} send() call its hook) but must change {}",
                c.rewrite,
                c.sites,
                c.sends,
                c.expected()
            )
        })
        .collect();
    if !missed.is_empty() {
        anyhow::bail!(
            "{}\nprogenitor's output no longer has what these rewrites look for; see \
             \"Upgrading progenitor\" in openapi/NORMALISATION.md",
            missed.join("\n")
        );
    }
    // Whatever the counts say, no path value may reach a URL through progenitor's encoder.
    let left = calls_in(&*file, &["encode_path"]);
    if left > 0 {
        anyhow::bail!(
            "rewrite path-segments-through-hooks: {left} call(s) of progenitor's encode_path were not \
             rewritten; a path value would reach the URL unchecked (has progenitor changed how it \
             builds URLs?)"
        );
    }
    Ok(counts)
}

/// `open-enums` over the `types` module.
fn open_types_enums(file: &mut syn::File) -> usize {
    let mut opened = 0;
    for item in &mut file.items {
        if let Item::Mod(module) = item {
            if module.ident == "types" {
                if let Some((_, items)) = &mut module.content {
                    opened += open_enums(items);
                }
            }
        }
    }
    opened
}

/// The builders' `send()` methods.
fn send_fns(file: &syn::File) -> Vec<&syn::ImplItemFn> {
    struct Sends<'a>(Vec<&'a syn::ImplItemFn>);
    impl<'a> Visit<'a> for Sends<'a> {
        fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
            if f.sig.ident == "send" && f.sig.asyncness.is_some() {
                self.0.push(f);
            }
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let mut sends = Sends(Vec::new());
    sends.visit_file(file);
    sends.0
}

/// Calls whose function path ends with `suffix`, in `node` and inside the `format!`s in it.
fn calls_in<'a, N: CallSite<'a> + ?Sized>(node: &'a N, suffix: &[&str]) -> usize {
    struct Calls<'s> {
        suffix: &'s [&'s str],
        found: usize,
    }
    impl<'ast> Visit<'ast> for Calls<'_> {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if calls_path_ending(call, self.suffix) {
                self.found += 1;
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            use syn::punctuated::Punctuated;
            if let Ok(args) =
                mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            {
                for arg in &args {
                    self.visit_expr(arg);
                }
            }
        }
    }
    let mut calls = Calls { suffix, found: 0 };
    node.visit_with(&mut calls);
    calls.found
}

/// Whether `call` calls a function whose path ends with `suffix` (`["hooks", "decode"]`
/// matches `crate::hooks::decode(…)`).
fn calls_path_ending(call: &syn::ExprCall, suffix: &[&str]) -> bool {
    let syn::Expr::Path(func) = call.func.as_ref() else {
        return false;
    };
    let segments = &func.path.segments;
    segments.len() >= suffix.len()
        && segments
            .iter()
            .rev()
            .zip(suffix.iter().rev())
            .all(|(segment, name)| segment.ident == name)
}

/// A syntax node [`calls_in`] can search.
trait CallSite<'a> {
    fn visit_with(&'a self, visitor: &mut impl Visit<'a>);
}

impl<'a> CallSite<'a> for syn::File {
    fn visit_with(&'a self, visitor: &mut impl Visit<'a>) {
        visitor.visit_file(self);
    }
}

impl<'a> CallSite<'a> for syn::ImplItemFn {
    fn visit_with(&'a self, visitor: &mut impl Visit<'a>) {
        visitor.visit_impl_item_fn(self);
    }
}

fn is_string_enum(item: &ItemEnum) -> bool {
    let serde_derived = item
        .attrs
        .iter()
        .any(|a| a.path().is_ident("derive") && quote!(#a).to_string().contains("Deserialize"));
    serde_derived
        // A single value is a constant (usually a union's tag), not a vocabulary: it stays
        // closed so untagged unions can still tell their variants apart.
        && item.variants.len() > 1
        && item
            .variants
            .iter()
            .all(|v| matches!(v.fields, Fields::Unit))
        && !item
            .attrs
            .iter()
            .any(|a| a.path().is_ident("serde") && quote!(#a).to_string().contains("tag"))
}

fn open_enums(items: &mut [Item]) -> usize {
    let mut opened = std::collections::BTreeMap::new();
    for item in items.iter_mut() {
        let Item::Enum(e) = item else { continue };
        if !is_string_enum(e) {
            continue;
        }
        let mut name = CATCH_ALL.to_string();
        while e.variants.iter().any(|v| v.ident == name) {
            name.push('_');
        }
        let ident = syn::Ident::new(&name, proc_macro2::Span::call_site());
        e.variants.push(parse_quote! {
            /// A value this version of the spec does not list, kept as received.
            #[serde(untagged)]
            #ident(::std::string::String)
        });
        // A `String` payload rules out `Copy`.
        for attr in &mut e.attrs {
            if attr.path().is_ident("derive") {
                if let Ok(list) = attr.parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                ) {
                    let kept: Vec<&syn::Path> =
                        list.iter().filter(|p| !p.is_ident("Copy")).collect();
                    *attr = parse_quote!(#[derive(#(#kept),*)]);
                }
            }
        }
        opened.insert(e.ident.to_string(), ident);
    }
    let count = opened.len();
    // `Display` matches every variant: add the catch-all's arm.
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let Some(ident) = display_target(imp).and_then(|t| opened.get(&t)) else {
            continue;
        };
        for impl_item in &mut imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            for stmt in &mut f.block.stmts {
                if let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt {
                    m.arms.push(parse_quote! {
                        Self::#ident(ref value) => f.write_str(value),
                    });
                }
            }
        }
    }
    count
}

/// `prelude-paths`: `::std::string::String` becomes `String` (and likewise for the other
/// prelude items) wherever no generated item of that name could shadow it. The code is the
/// same; it reads better and is about a fifth shorter once formatted.
fn prelude_paths(file: &mut syn::File) -> usize {
    const PRELUDE: [(&str, &str); 9] = [
        ("string", "String"),
        ("result", "Result"),
        ("option", "Option"),
        ("vec", "Vec"),
        ("boxed", "Box"),
        ("convert", "TryInto"),
        ("convert", "TryFrom"),
        ("convert", "From"),
        ("default", "Default"),
    ];
    struct Defined(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Defined {
        fn visit_item(&mut self, item: &'ast Item) {
            let ident = match item {
                Item::Struct(i) => Some(&i.ident),
                Item::Enum(i) => Some(&i.ident),
                Item::Type(i) => Some(&i.ident),
                Item::Trait(i) => Some(&i.ident),
                Item::Fn(i) => Some(&i.sig.ident),
                _ => None,
            };
            if let Some(ident) = ident {
                self.0.insert(ident.to_string());
            }
            syn::visit::visit_item(self, item);
        }
    }
    struct Shorten(BTreeSet<(&'static str, &'static str)>, usize);
    impl VisitMut for Shorten {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            syn::visit_mut::visit_path_mut(self, path);
            if path.leading_colon.is_none() || path.segments.len() != 3 {
                return;
            }
            let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let hit = self.0.iter().any(|(module, name)| {
                names[0] == "std" && names[1] == *module && names[2] == *name
            });
            if hit {
                let last = path.segments.pop().expect("three segments").into_value();
                path.segments.clear();
                path.leading_colon = None;
                path.segments.push(last);
                self.1 += 1;
            }
        }
    }
    let mut defined = Defined(BTreeSet::new());
    defined.visit_file(file);
    let allowed = PRELUDE
        .into_iter()
        .filter(|(_, name)| !defined.0.contains(*name))
        .collect();
    let mut shorten = Shorten(allowed, 0);
    shorten.visit_file_mut(file);
    shorten.1
}

/// `optional-json-schema`: the `schemars::JsonSchema` derive moves behind the crate's
/// `schemars` feature (`#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`):
/// it adds about a fifth to the crate's build time and most users do not need it.
fn optional_json_schema(file: &mut syn::File) -> usize {
    struct Gate(usize);
    fn gate(attrs: &mut Vec<syn::Attribute>) -> bool {
        let mut had = false;
        for attr in attrs.iter_mut() {
            if !attr.path().is_ident("derive") {
                continue;
            }
            let Ok(list) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let is_schema =
                |p: &syn::Path| p.segments.last().is_some_and(|s| s.ident == "JsonSchema");
            if list.iter().any(is_schema) {
                had = true;
                let kept: Vec<&syn::Path> = list.iter().filter(|p| !is_schema(p)).collect();
                *attr = parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        if had {
            let position = attrs
                .iter()
                .rposition(|a| a.path().is_ident("derive"))
                .map_or(0, |i| i + 1);
            attrs.insert(
                position,
                parse_quote!(#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]),
            );
        }
        had
    }
    impl VisitMut for Gate {
        fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
            self.0 += usize::from(gate(&mut item.attrs));
        }
        fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
            self.0 += usize::from(gate(&mut item.attrs));
        }
    }
    let mut gated = Gate(0);
    gated.visit_file_mut(file);
    gated.0
}

/// The type name of an `impl Display for X`.
fn display_target(imp: &ItemImpl) -> Option<String> {
    let (_, path, _) = imp.trait_.as_ref()?;
    if path.segments.last()?.ident != "Display" {
        return None;
    }
    let syn::Type::Path(ty) = imp.self_ty.as_ref() else {
        return None;
    };
    Some(ty.path.segments.last()?.ident.to_string())
}

/// Replaces every one-argument call whose function path ends with `suffix` (`["Error",
/// "UnexpectedResponse"]` matches `Error::UnexpectedResponse(x)`) by what `rewrite` makes of it.
fn rewrite_calls(
    file: &mut syn::File,
    suffix: &[&str],
    rewrite: impl Fn(&syn::ExprCall) -> syn::Expr,
) -> usize {
    struct Calls<'a, F> {
        suffix: &'a [&'a str],
        rewrite: F,
        count: usize,
    }
    impl<F: Fn(&syn::ExprCall) -> syn::Expr> VisitMut for Calls<'_, F> {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::Call(call) = expr else { return };
            if calls_path_ending(call, self.suffix) && call.args.len() == 1 {
                *expr = (self.rewrite)(call);
                self.count += 1;
            }
        }
    }
    let mut calls = Calls {
        suffix,
        rewrite,
        count: 0,
    };
    calls.visit_file_mut(file);
    calls.count
}

/// `ResponseValue::from_response(response)` → `crate::hooks::decode(client, response, &info)`.
fn decode_through_hooks(file: &mut syn::File) -> usize {
    rewrite_calls(file, &["ResponseValue", "from_response"], |call| {
        let response = &call.args[0];
        parse_quote!(crate::hooks::decode(client, #response, &info))
    })
}

/// `Error::UnexpectedResponse(response)` → `Error::UnexpectedResponse(crate::hooks::unexpected(response))`.
fn unexpected_through_hooks(file: &mut syn::File) -> usize {
    rewrite_calls(file, &["Error", "UnexpectedResponse"], |call| {
        let mut call = call.clone();
        let response = &call.args[0];
        call.args[0] = parse_quote!(crate::hooks::unexpected(#response));
        syn::Expr::Call(call)
    })
}

/// `encode_path(&x.to_string())` inside `format!(…)` → `crate::hooks::path_segment(&x
/// .to_string(), "xName").map_err(Error::InvalidRequest)?`. Returns how many it rewrote.
fn path_segments_through_hooks(file: &mut syn::File) -> usize {
    use heck::ToLowerCamelCase;
    use syn::punctuated::Punctuated;
    /// The local a path argument is built from: `x` of `&x.to_string()`.
    fn local_of(arg: &syn::Expr) -> Option<String> {
        let syn::Expr::Reference(reference) = arg else {
            return None;
        };
        let syn::Expr::MethodCall(call) = reference.expr.as_ref() else {
            return None;
        };
        let syn::Expr::Path(path) = call.receiver.as_ref() else {
            return None;
        };
        Some(path.path.get_ident()?.to_string())
    }
    struct Macros(usize);
    impl VisitMut for Macros {
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            if !mac.path.is_ident("format") {
                return;
            }
            let Ok(mut args) =
                mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            else {
                return;
            };
            let mut changed = false;
            for arg in args.iter_mut() {
                let syn::Expr::Call(call) = arg else { continue };
                let syn::Expr::Path(func) = call.func.as_ref() else {
                    continue;
                };
                if !func.path.is_ident("encode_path") || call.args.len() != 1 {
                    continue;
                }
                let value = &call.args[0];
                let Some(local) = local_of(value) else {
                    continue;
                };
                let name = local.to_lower_camel_case();
                *arg = parse_quote!(
                    crate::hooks::path_segment(#value, #name).map_err(Error::InvalidRequest)?
                );
                changed = true;
                self.0 += 1;
            }
            if changed {
                mac.tokens = quote!(#args);
            }
        }
    }
    let mut rewrite = Macros(0);
    rewrite.visit_file_mut(file);
    rewrite.0
}

/// `let mut header_map = HeaderMap::with_capacity(1); header_map.append(NAME, VALUE); …
/// .headers(header_map)` → `… .header(NAME, VALUE)`, in every block whose map gets exactly one
/// header.
fn single_header(file: &mut syn::File) -> usize {
    fn is_map_decl(stmt: &syn::Stmt) -> bool {
        matches!(stmt, syn::Stmt::Local(local)
            if quote!(#local).to_string().starts_with("let mut header_map = :: reqwest :: header :: HeaderMap :: with_capacity"))
    }
    /// The arguments of `header_map.append(NAME, VALUE);`.
    fn append_args(stmt: &syn::Stmt) -> Option<(syn::Expr, syn::Expr)> {
        let syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_)) = stmt else {
            return None;
        };
        let receiver = &call.receiver;
        if call.method != "append"
            || quote!(#receiver).to_string() != "header_map"
            || call.args.len() != 2
        {
            return None;
        }
        Some((call.args[0].clone(), call.args[1].clone()))
    }
    struct Headers {
        name: syn::Expr,
        value: syn::Expr,
    }
    impl VisitMut for Headers {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::MethodCall(call) = expr else {
                return;
            };
            let arg = call.args.first();
            if call.method == "headers"
                && call.args.len() == 1
                && quote!(#arg).to_string() == "header_map"
            {
                let (receiver, name, value) = (&call.receiver, &self.name, &self.value);
                *expr = parse_quote!(#receiver.header(#name, #value));
            }
        }
    }
    struct Blocks(usize);
    impl VisitMut for Blocks {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, block);
            let appends: Vec<(usize, (syn::Expr, syn::Expr))> = block
                .stmts
                .iter()
                .enumerate()
                .filter_map(|(i, stmt)| Some((i, append_args(stmt)?)))
                .collect();
            let Some(decl) = block.stmts.iter().position(is_map_decl) else {
                return;
            };
            // Only a map whose one header is appended unconditionally, right here.
            let mentions = block
                .stmts
                .iter()
                .filter(|stmt| quote!(#stmt).to_string().contains("header_map"))
                .count();
            let [(append, (name, value))] = appends.as_slice() else {
                return;
            };
            // The declaration, the append and the `.headers(header_map)` statement.
            if mentions != 3 {
                return;
            }
            let mut rewrite = Headers {
                name: name.clone(),
                value: value.clone(),
            };
            let append = *append;
            for stmt in &mut block.stmts {
                rewrite.visit_stmt_mut(stmt);
            }
            let (first, second) = (decl.max(append), decl.min(append));
            block.stmts.remove(first);
            block.stmts.remove(second);
            self.0 += 1;
        }
    }
    let mut blocks = Blocks(0);
    blocks.visit_file_mut(file);
    blocks.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_of_one_header_becomes_a_header_call() {
        let mut file: syn::File = parse_quote! {
            async fn send() {
                let url = format!("{}/x", client.baseurl);
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                );
                let request = client.client.get(url).headers(header_map).build()?;
            }
        };
        single_header(&mut file);
        let text = quote!(#file).to_string();
        assert!(!text.contains("header_map"), "{text}");
        assert!(
            text.contains(". header (:: reqwest :: header :: HeaderName :: from_static (\"api-version\") , :: reqwest :: header :: HeaderValue :: from_static (super :: Client :: api_version ())) . build ()"),
            "{text}"
        );
    }

    #[test]
    fn unexpected_responses_go_through_the_hook() {
        let mut file: syn::File = parse_quote! {
            async fn send() {
                match response.status().as_u16() {
                    200u16 => crate::hooks::decode(client, response, &info).await,
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
        };
        unexpected_through_hooks(&mut file);
        let text = quote!(#file).to_string();
        assert!(
            text.contains(
                "Err (Error :: UnexpectedResponse (crate :: hooks :: unexpected (response)))"
            ),
            "{text}"
        );
        // Other calls are left alone.
        assert!(
            text.contains("crate :: hooks :: decode (client , response , & info)"),
            "{text}"
        );
    }

    #[test]
    fn path_values_go_through_the_hook_with_their_spec_name() {
        let mut file: syn::File = parse_quote! {
            async fn send() {
                let url = format!(
                    "{}/governance/api/v1/resources/{}/labels/{}",
                    client.baseurl,
                    encode_path(&resource_id.to_string()),
                    encode_path(&label_value_id.to_string()),
                );
            }
        };
        assert_eq!(path_segments_through_hooks(&mut file), 2);
        let text = quote!(#file).to_string();
        assert!(!text.contains("encode_path"), "{text}");
        assert!(
            text.contains("crate :: hooks :: path_segment (& resource_id . to_string () , \"resourceId\") . map_err (Error :: InvalidRequest) ?"),
            "{text}"
        );
        assert!(text.contains("\"labelValueId\""), "{text}");
    }

    #[test]
    fn a_path_value_the_rewrite_does_not_recognise_fails_generation() {
        // A progenitor that builds the value differently (here: a computed local).
        let mut file = progenitor_like("encode_path(&label_id_str)", "response", "header_map");
        let error = apply(&mut file, EXPECTED).unwrap_err().to_string();
        assert!(error.contains("path-segments-through-hooks"), "{error}");
    }

    const EXPECTED: Expected = Expected {
        operations: 2,
        path_params: 2,
    };

    /// Two builders' `send()` in the shape progenitor 0.15 generates, with the path argument,
    /// the response local and the header-map local as given.
    fn progenitor_like(path_arg: &str, response: &str, map: &str) -> syn::File {
        let path_arg: syn::Expr = syn::parse_str(path_arg).unwrap();
        let response = syn::Ident::new(response, proc_macro2::Span::call_site());
        let map = syn::Ident::new(map, proc_macro2::Span::call_site());
        let send = quote! {
            pub async fn send(self) -> Result<ResponseValue<types::Label>, Error<types::Error>> {
                let Self { client, label_id } = self;
                let url = format!("{}/governance/api/v1/labels/{}", client.baseurl, #path_arg);
                let mut #map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                #map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                );
                let request = client.client.get(url).headers(#map).build()?;
                let info = OperationInfo { operation_id: "get_label" };
                let #response = client.exec(request, &info).await?;
                match #response.status().as_u16() {
                    200u16 => ResponseValue::from_response(#response).await,
                    _ => Err(Error::UnexpectedResponse(#response)),
                }
            }
        };
        parse_quote! {
            pub mod types {
                #[derive(Deserialize, schemars::JsonSchema)]
                pub enum Color { Red, Blue }
                pub struct Label { pub name: ::std::string::String }
            }
            impl<'a> GetLabel<'a> { #send }
            impl<'a> DeleteLabel<'a> { #send }
        }
    }

    #[test]
    fn progenitor_output_as_expected_passes_with_every_count_met() {
        let mut file = progenitor_like(
            "encode_path(&label_id.to_string())",
            "response",
            "header_map",
        );
        let counts = apply(&mut file, EXPECTED).unwrap();
        let by_name = |name: &str| counts.iter().find(|c| c.rewrite == name).unwrap().sites;
        assert_eq!(by_name("decode-through-hooks"), 2);
        assert_eq!(by_name("unexpected-through-hooks"), 2);
        assert_eq!(by_name("path-segments-through-hooks"), 2);
        assert_eq!(by_name("single-header"), 2);
        assert_eq!(by_name("open-enums"), 1);
    }

    #[test]
    fn a_renamed_local_fails_generation_naming_the_rewrite() {
        // progenitor renames the header map: the single-header rewrite no longer matches.
        let mut file = progenitor_like("encode_path(&label_id.to_string())", "response", "headers");
        let error = apply(&mut file, EXPECTED).unwrap_err().to_string();
        assert!(
            error.contains("rewrite single-header changed 0 site(s)")
                && error.contains("exactly 2"),
            "{error}"
        );
        // One send() fewer than operations: the builders changed shape.
        let mut file = progenitor_like(
            "encode_path(&label_id.to_string())",
            "response",
            "header_map",
        );
        let error = apply(
            &mut file,
            Expected {
                operations: 3,
                path_params: 2,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("2 builder send()"), "{error}");
    }

    #[test]
    fn a_map_of_more_headers_stays() {
        let mut file: syn::File = parse_quote! {
            async fn send() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                header_map.append(NAME, VALUE);
                if let Some(v) = other { header_map.append(OTHER, v); }
                let request = client.client.get(url).headers(header_map).build()?;
            }
        };
        let before = quote!(#file).to_string();
        single_header(&mut file);
        assert_eq!(quote!(#file).to_string(), before);
    }
}
