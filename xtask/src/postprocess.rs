//! Rewrites of progenitor's syntax tree before formatting.
//!
//! `open-enums`: every string enum of `types` gets a last variant
//! `#[serde(untagged)] Unrecognized(String)`, so a value the spec does not list (the live API
//! sends some, and the spec's own examples use others) decodes and re-encodes unchanged instead
//! of failing the whole response. Enums of a single value are constants that tell the variants
//! of a union apart, and stay closed. `FromStr`/`TryFrom<&str>` stay strict: a caller typing a
//! value gets an error for an unknown one; only decoding is open.
//!
//! `own-error-type`: every `send()` returns the crate's own `Result<ResponseValue<T>, Error>`
//! (`crate::Error`, `crate::ResponseValue`) instead of progenitor-client's generic
//! `Error<E>` and `ResponseValue<T>`: one error type on every call, and no progenitor type in a
//! public signature. The generated file imports the crate's types under progenitor's names.
//!
//! `exec-through-hooks`: the four statements that run progenitor's `pre`, `exec` and `post`
//! hooks become one `let response = crate::hooks::exec(client, request, &info).await?;`. The
//! transport answers with the body read, or with the crate's error, which reaches the caller
//! unchanged (progenitor's `exec` can only fail with a `reqwest::Error`).
//!
//! `errors-through-hooks`: every `Error::ErrorResponse(…)` (a status the spec declares as an
//! error) and `Error::UnexpectedResponse(response)` (any other status) becomes
//! `crate::hooks::error_response(client, response, &info).await`: `Error::Api` with Okta's
//! error body read, the status, the request id and the operation.
//!
//! `decode-through-hooks`: every `ResponseValue::from_response(response)` (a success with a
//! JSON body) becomes `crate::hooks::decode(client, response, &info)`, which reports a body that
//! does not decode with the operation, the status and the JSON path.
//!
//! `typed-refusals`: every `let x = x.map_err(Error::InvalidRequest)?` of a builder value
//! becomes `.map_err(|e| crate::hooks::refused("x", e))?`: `Error::InvalidInput` naming the
//! parameter by its spec name (the Rust name in lowerCamelCase; `body` for the body).
//!
//! `path-segments-through-hooks`: every `encode_path(&x.to_string())` in the `format!` that builds
//! a `send()`'s URL becomes `crate::hooks::path_segment(&x.to_string(), "xName")?`: progenitor's
//! encoder leaves `.` and `\` alone, so a value like `..\..\api\v1\users` would change which
//! endpoint is called; the hook encodes the value as exactly one segment and refuses what cannot
//! be one (`""`, `.`, `..`), naming the parameter by its spec name.
//!
//! `types-can-grow`: every struct with named fields and every enum of `types` is
//! `#[non_exhaustive]`, and none derives `PartialOrd`/`Ord`. Okta adds optional fields and enum
//! values in minor spec updates; a caller's struct literal or exhaustive `match` would stop
//! compiling, and a derived order would change when a value is inserted. Callers build values
//! with the `types::builder` builders (or `Default` and field assignment) and match with a
//! wildcard arm, so an additive spec change is an additive Rust change.
//!
//! `sealed-ext-traits`: every per-tag `Client…Ext` trait gets the supertrait
//! `crate::hooks::sealed::Sealed`, which only `Client` implements: the traits exist to be called,
//! not implemented, and sealing them makes an operation added in a spec update an additive
//! change (a method added to an unsealed public trait breaks its implementors).
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
    /// Operations that declare a success response with a JSON body: one decoding `send()` each.
    pub decoding: usize,
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
    /// Any number of sites (none where the spec has nothing of the kind); what the rewrite
    /// looks for must be gone afterwards (see [`LEFT_OVER`]).
    Any,
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
            Expect::Any => true,
        }
    }

    /// The expectation as the report prints it.
    pub fn expected(&self) -> String {
        match self.expect {
            Expect::Exactly(n) => format!("exactly {n}"),
            Expect::EverySend(n) => format!("in each of the {n} send()"),
            Expect::Some => "at least one".into(),
            Expect::Any => "any number".into(),
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
    let rewrites: [Rewrite; 12] = [
        (
            "own-error-type",
            Expect::Exactly(expected.operations),
            None,
            own_error_type,
        ),
        (
            "exec-through-hooks",
            Expect::EverySend(expected.operations),
            Some(&["hooks", "exec"]),
            exec_through_hooks,
        ),
        (
            "errors-through-hooks",
            // Every send() has a catch-all arm for the statuses it does not declare.
            Expect::EverySend(expected.operations),
            Some(&["hooks", "error_response"]),
            errors_through_hooks,
        ),
        (
            "decode-through-hooks",
            Expect::EverySend(expected.decoding),
            Some(&["hooks", "decode"]),
            decode_through_hooks,
        ),
        ("typed-refusals", Expect::Any, None, typed_refusals),
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
        // Cosmetic: a spec whose types use no prelude path has nothing to shorten.
        ("prelude-paths", Expect::Any, None, prelude_paths),
        // A spec without types has nothing to gate; an ungated derive left is checked below.
        (
            "optional-json-schema",
            Expect::Any,
            None,
            optional_json_schema,
        ),
        ("open-enums", Expect::Any, None, open_types_enums),
        ("types-can-grow", Expect::Any, None, types_can_grow),
        ("sealed-ext-traits", Expect::Any, None, sealed_ext_traits),
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
    // Whatever the counts say, nothing a rewrite replaces may be left: a path value through
    // progenitor's encoder, a progenitor error or hook.
    for (rewrite, suffix, what) in LEFT_OVER {
        let left = calls_in(&*file, suffix);
        if left > 0 {
            anyhow::bail!(
                "rewrite {rewrite}: {left} {what} left after it (has progenitor changed its \
                 send() methods?); see \"Upgrading progenitor\" in openapi/NORMALISATION.md"
            );
        }
    }
    let mut ungated = 0;
    for attr in all_attrs(file) {
        if attr.path().is_ident("derive") && quote!(#attr).to_string().contains("JsonSchema") {
            ungated += 1;
        }
    }
    if ungated > 0 {
        anyhow::bail!(
            "rewrite optional-json-schema: {ungated} JsonSchema derive(s) left outside the \
             `schemars` feature (has progenitor changed how it writes derives?)"
        );
    }
    let left = left_over_hooks(file);
    if left > 0 {
        anyhow::bail!(
            "rewrite exec-through-hooks: {left} call(s) of progenitor's pre/exec/post hooks left \
             (has progenitor changed how send() runs its hooks?)"
        );
    }
    Ok(counts)
}

/// What must be gone after the rewrites: `(rewrite, call path suffix, what it is)`.
const LEFT_OVER: [(&str, &[&str], &str); 5] = [
    (
        "path-segments-through-hooks",
        &["encode_path"],
        "call(s) of progenitor's encode_path (a path value would reach the URL unchecked)",
    ),
    (
        "errors-through-hooks",
        &["Error", "ErrorResponse"],
        "Error::ErrorResponse",
    ),
    (
        "errors-through-hooks",
        &["Error", "UnexpectedResponse"],
        "Error::UnexpectedResponse",
    ),
    (
        "decode-through-hooks",
        &["ResponseValue", "from_response"],
        "ResponseValue::from_response",
    ),
    (
        "typed-refusals",
        &["Error", "InvalidRequest"],
        "Error::InvalidRequest",
    ),
];

/// Every attribute on a struct or enum of `file`.
fn all_attrs(file: &syn::File) -> Vec<&syn::Attribute> {
    struct Attrs<'a>(Vec<&'a syn::Attribute>);
    impl<'a> Visit<'a> for Attrs<'a> {
        fn visit_item_struct(&mut self, item: &'a syn::ItemStruct) {
            self.0.extend(&item.attrs);
        }
        fn visit_item_enum(&mut self, item: &'a syn::ItemEnum) {
            self.0.extend(&item.attrs);
        }
    }
    let mut attrs = Attrs(Vec::new());
    attrs.visit_file(file);
    attrs.0
}

/// Method calls of progenitor's hooks (`client.pre(…)`, `client.exec(…)`, `client.post(…)`)
/// in the `send()`s.
fn left_over_hooks(file: &syn::File) -> usize {
    struct Hooks(usize);
    impl<'ast> Visit<'ast> for Hooks {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            let receiver = &call.receiver;
            if quote!(#receiver).to_string() == "client"
                && ["pre", "exec", "post"].iter().any(|m| call.method == m)
            {
                self.0 += 1;
            }
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let mut hooks = Hooks(0);
    for send in send_fns(file) {
        hooks.visit_impl_item_fn(send);
    }
    hooks.0
}

/// Runs `rewrite` on every builder `send()` (async); how many it changed.
fn rewrite_sends(file: &mut syn::File, rewrite: fn(&mut syn::ImplItemFn) -> bool) -> usize {
    struct Sends(fn(&mut syn::ImplItemFn) -> bool, usize);
    impl VisitMut for Sends {
        fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
            if f.sig.ident == "send" && f.sig.asyncness.is_some() && (self.0)(f) {
                self.1 += 1;
            }
        }
    }
    let mut sends = Sends(rewrite, 0);
    sends.visit_file_mut(file);
    sends.1
}

/// `own-error-type`: the return type of every `send()` and the generated file's imports.
fn own_error_type(file: &mut syn::File) -> usize {
    fn ungeneric_error(f: &mut syn::ImplItemFn) -> bool {
        let syn::ReturnType::Type(_, ty) = &mut f.sig.output else {
            return false;
        };
        let syn::Type::Path(result) = ty.as_mut() else {
            return false;
        };
        let Some(last) = result.path.segments.last_mut() else {
            return false;
        };
        let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
            return false;
        };
        let Some(syn::GenericArgument::Type(syn::Type::Path(error))) = args.args.iter_mut().nth(1)
        else {
            return false;
        };
        let Some(segment) = error.path.segments.last_mut() else {
            return false;
        };
        if segment.ident == "Error" && !segment.arguments.is_empty() {
            segment.arguments = syn::PathArguments::None;
            return true;
        }
        false
    }
    // The file's own imports: the crate's error and response types under progenitor's names.
    for item in &mut file.items {
        let Item::Use(used) = item else { continue };
        let text = quote!(#used).to_string();
        if text.contains("progenitor_client") && text.contains("ResponseValue") {
            *used = parse_quote! {
                use crate::{Error, ResponseValue};
            };
            break;
        }
    }
    file.items.insert(
        1,
        parse_quote! {
            #[allow(unused_imports)]
            use progenitor_client::ClientInfo;
        },
    );
    file.items.insert(
        1,
        parse_quote! {
            #[allow(unused_imports)]
            use bytes::Bytes as ByteStream;
        },
    );
    rewrite_sends(file, ungeneric_error)
}

/// `exec-through-hooks`: progenitor's `pre` / `exec` / `post` statements of each `send()`
/// become one call of `crate::hooks::exec`.
fn exec_through_hooks(file: &mut syn::File) -> usize {
    fn one_exec(f: &mut syn::ImplItemFn) -> bool {
        let text = |stmt: &syn::Stmt| quote!(#stmt).to_string();
        let stmts = &mut f.block.stmts;
        let pre = "client . pre (& mut request , & info) . await ? ;";
        let exec = "let result = client . exec (request , & info) . await ;";
        let post = "client . post (& result , & info) . await ? ;";
        let take = "let response = result ? ;";
        let Some(at) = stmts.iter().position(|s| text(s) == exec) else {
            return false;
        };
        if at == 0
            || at + 2 >= stmts.len()
            || text(&stmts[at - 1]) != pre
            || text(&stmts[at + 1]) != post
            || text(&stmts[at + 2]) != take
        {
            return false;
        }
        let call: syn::Stmt = parse_quote! {
            let response = crate::hooks::exec(client, request, &info).await?;
        };
        stmts.splice(at - 1..at + 3, [call]);
        true
    }
    rewrite_sends(file, one_exec)
}

/// `errors-through-hooks`: `Error::ErrorResponse(…)` and `Error::UnexpectedResponse(response)`
/// → `crate::hooks::error_response(client, response, &info).await`.
fn errors_through_hooks(file: &mut syn::File) -> usize {
    let hook = |_: &syn::ExprCall| -> syn::Expr {
        parse_quote!(crate::hooks::error_response(client, response, &info).await)
    };
    rewrite_calls(file, &["Error", "ErrorResponse"], hook)
        + rewrite_calls(file, &["Error", "UnexpectedResponse"], hook)
}

/// `typed-refusals`: `.map_err(Error::InvalidRequest)` in `let x = …;` →
/// `.map_err(|e| crate::hooks::refused("x", e))` (`x` in lowerCamelCase).
fn typed_refusals(file: &mut syn::File) -> usize {
    use heck::ToLowerCamelCase;
    struct Locals(usize);
    impl VisitMut for Locals {
        fn visit_local_mut(&mut self, local: &mut syn::Local) {
            let syn::Pat::Ident(name) = &local.pat else {
                return;
            };
            let field = name.ident.to_string().to_lower_camel_case();
            struct MapErr<'a>(&'a str, usize);
            impl VisitMut for MapErr<'_> {
                fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
                    syn::visit_mut::visit_expr_method_call_mut(self, call);
                    if call.method != "map_err" || call.args.len() != 1 {
                        return;
                    }
                    let arg = &call.args[0];
                    if quote!(#arg).to_string() != "Error :: InvalidRequest" {
                        return;
                    }
                    let field = self.0;
                    call.args[0] = parse_quote!(|e| crate::hooks::refused(#field, e));
                    self.1 += 1;
                }
            }
            if let Some(init) = &mut local.init {
                let mut map_err = MapErr(&field, 0);
                map_err.visit_expr_mut(&mut init.expr);
                self.0 += map_err.1;
            }
        }
    }
    let mut locals = Locals(0);
    locals.visit_file_mut(file);
    locals.0
}

/// `sealed-ext-traits`: `pub trait ClientXExt {` → `pub trait ClientXExt: crate::hooks::sealed::Sealed {`.
fn sealed_ext_traits(file: &mut syn::File) -> usize {
    let mut sealed = 0;
    for item in &mut file.items {
        let Item::Trait(t) = item else { continue };
        let name = t.ident.to_string();
        if name.starts_with("Client") && name.ends_with("Ext") && t.supertraits.is_empty() {
            t.supertraits
                .push(parse_quote!(crate::hooks::sealed::Sealed));
            t.colon_token = Some(Default::default());
            sealed += 1;
        }
    }
    sealed
}

/// Removes the derives `drop` picks from every `#[derive(..)]` of `attrs`; whether any went.
fn drop_derives(attrs: &mut [syn::Attribute], drop: impl Fn(&syn::Path) -> bool) -> bool {
    let mut dropped = false;
    for attr in attrs.iter_mut() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(list) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        if list.iter().any(&drop) {
            dropped = true;
            let kept: Vec<&syn::Path> = list.iter().filter(|p| !drop(p)).collect();
            *attr = parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    dropped
}

/// `types-can-grow` over the `types` module: `#[non_exhaustive]` on every struct with named
/// fields and every enum, and no `PartialOrd`/`Ord` derive on any type.
fn types_can_grow(file: &mut syn::File) -> usize {
    let drop_order = |attrs: &mut [syn::Attribute]| {
        drop_derives(attrs, |p| p.is_ident("PartialOrd") || p.is_ident("Ord"))
    };
    let mut marked = 0;
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        for item in items.iter_mut() {
            match item {
                Item::Struct(s) => {
                    drop_order(&mut s.attrs);
                    if matches!(s.fields, Fields::Named(_)) {
                        s.attrs.push(parse_quote!(#[non_exhaustive]));
                        marked += 1;
                    }
                }
                Item::Enum(e) => {
                    drop_order(&mut e.attrs);
                    e.attrs.push(parse_quote!(#[non_exhaustive]));
                    marked += 1;
                }
                _ => {}
            }
        }
    }
    marked
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
        drop_derives(&mut e.attrs, |p| p.is_ident("Copy"));
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
        let had = drop_derives(attrs, |p| {
            p.segments.last().is_some_and(|s| s.ident == "JsonSchema")
        });
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

/// `encode_path(&x.to_string())` inside `format!(…)` → `crate::hooks::path_segment(&x
/// .to_string(), "xName")?`. Returns how many it rewrote.
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
                    crate::hooks::path_segment(#value, #name)?
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
    fn error_statuses_go_through_the_hook() {
        let mut file: syn::File = parse_quote! {
            async fn send() {
                match response.status().as_u16() {
                    200u16 => crate::hooks::decode(client, response, &info).await,
                    400u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                    404u16 => Err(Error::ErrorResponse(ResponseValue::empty(response))),
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
        };
        assert_eq!(errors_through_hooks(&mut file), 3);
        let text = quote!(#file).to_string();
        assert_eq!(
            text.matches(
                "Err (crate :: hooks :: error_response (client , response , & info) . await)"
            )
            .count(),
            3,
            "{text}"
        );
        // Other calls are left alone.
        assert!(
            text.contains("crate :: hooks :: decode (client , response , & info)"),
            "{text}"
        );
    }

    #[test]
    fn builder_refusals_name_the_parameter() {
        let mut file: syn::File = parse_quote! {
            async fn send() {
                let label_value_id = label_value_id.map_err(Error::InvalidRequest)?;
                let body = body.and_then(|v| types::X::try_from(v).map_err(|e| e.to_string())).map_err(Error::InvalidRequest)?;
            }
        };
        assert_eq!(typed_refusals(&mut file), 2);
        let text = quote!(#file).to_string();
        assert!(
            text.contains("crate :: hooks :: refused (\"labelValueId\" , e)"),
            "{text}"
        );
        assert!(
            text.contains("crate :: hooks :: refused (\"body\" , e)"),
            "{text}"
        );
        assert!(!text.contains("InvalidRequest"), "{text}");
    }

    #[test]
    fn types_can_grow_without_breaking_callers() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
                pub enum Status { Active, Closed }
                #[derive(Clone, Debug, PartialOrd)]
                pub struct Label { pub name: String }
                #[derive(Clone, Debug)]
                pub struct LabelName(String);
            }
        };
        assert_eq!(types_can_grow(&mut file), 2);
        let text = quote!(#file).to_string();
        assert_eq!(text.matches("non_exhaustive").count(), 2, "{text}");
        assert!(!text.contains("Ord"), "{text}");
        // A newtype does not grow: it stays constructible.
        assert!(
            text.contains("# [derive (Clone , Debug)] pub struct LabelName (String) ;"),
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
            text.contains(
                "crate :: hooks :: path_segment (& resource_id . to_string () , \"resourceId\") ?"
            ),
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
        decoding: 2,
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
                let label_id = label_id.map_err(Error::InvalidRequest)?;
                let url = format!("{}/governance/api/v1/labels/{}", client.baseurl, #path_arg);
                let mut #map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                #map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                );
                let mut request = client.client.get(url).headers(#map).build()?;
                let info = OperationInfo { operation_id: "get_label" };
                client.pre(&mut request, &info).await?;
                let result = client.exec(request, &info).await;
                client.post(&result, &info).await?;
                let #response = result?;
                match #response.status().as_u16() {
                    200u16 => ResponseValue::from_response(#response).await,
                    404u16 => Err(Error::ErrorResponse(ResponseValue::from_response(#response).await?)),
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
        assert_eq!(by_name("own-error-type"), 2);
        assert_eq!(by_name("exec-through-hooks"), 2);
        assert_eq!(by_name("errors-through-hooks"), 4);
        assert_eq!(by_name("decode-through-hooks"), 2);
        assert_eq!(by_name("typed-refusals"), 2);
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
                decoding: 2,
                path_params: 2,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("2 builder send()"), "{error}");
    }

    #[test]
    fn a_send_without_a_body_to_decode_needs_no_decode_site() {
        // An operation that answers only 204 and declares no error: nothing to decode.
        let mut file: syn::File = parse_quote! {
            pub mod types {}
            impl<'a> DeleteLabel<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client } = self;
                    let url = format!("{}/governance/api/v1/labels", client.baseurl,);
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                    header_map.append(NAME, VALUE);
                    let mut request = client.client.delete(url).headers(header_map).build()?;
                    let info = OperationInfo { operation_id: "delete_label" };
                    client.pre(&mut request, &info).await?;
                    let result = client.exec(request, &info).await;
                    client.post(&result, &info).await?;
                    let response = result?;
                    match response.status().as_u16() {
                        204u16 => Ok(ResponseValue::empty(response)),
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
            #[derive(Deserialize)]
            pub enum Unused { A, B }
        };
        let expected = Expected {
            operations: 1,
            decoding: 0,
            path_params: 0,
        };
        let counts = apply(&mut file, expected).unwrap();
        let by_name = |name: &str| counts.iter().find(|c| c.rewrite == name).unwrap().sites;
        assert_eq!(by_name("decode-through-hooks"), 0);
        assert_eq!(by_name("errors-through-hooks"), 1);
        assert_eq!(by_name("typed-refusals"), 0);
        // Had the spec declared a JSON body, the missing decode site would fail generation.
        let mut again: syn::File = syn::parse_str(&quote!(#file).to_string()).unwrap();
        let error = apply(
            &mut again,
            Expected {
                decoding: 1,
                ..expected
            },
        );
        assert!(error.is_err());
    }

    #[test]
    fn a_progenitor_hook_left_over_fails_generation() {
        // progenitor runs its hooks in another order: exec-through-hooks cannot match.
        let file = progenitor_like(
            "encode_path(&label_id.to_string())",
            "response",
            "header_map",
        );
        let text = quote!(#file)
            .to_string()
            .replace("client . post (& result , & info) . await ? ;", "");
        let mut file: syn::File = syn::parse_str(&text).unwrap();
        let error = apply(&mut file, EXPECTED).unwrap_err().to_string();
        assert!(error.contains("exec-through-hooks"), "{error}");
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
