//! The parts of Okta's wire behaviour every endpoint shares: routing, request ids, rate-limit
//! windows and headers, error bodies, SCIM filters and `after` paging with `-admin` links.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use okta_governance::client::Operation;
use serde_json::{json, Value};

use crate::state::{lock, Shared, Window};
use crate::{labels, oauth, reviews};
use okta_governance::AuthError;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `n` random letters and digits, for secrets (tokens, nonces); from the system random source,
/// like every secret the crate makes.
pub(crate) fn random_chars(n: usize) -> Result<String, AuthError> {
    let mut bytes = vec![0u8; n];
    crate::random_bytes(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// `n` letters and digits that no other call in this process returns, for identifiers (label,
/// review, error and request ids), which need to be unique, not secret. Each comes from a
/// counter multiplied by odd constants (a bijection on `u64`), so it looks like Okta's.
pub(crate) fn unique_chars(n: usize) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let count = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut out = Vec::with_capacity(n);
    let mut words = [
        count.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        count.wrapping_mul(0xD6E8_FEB8_6659_FD93),
    ]
    .into_iter()
    .cycle();
    let mut value = 0u64;
    let mut left = 0;
    while out.len() < n {
        if left == 0 {
            value = words.next().unwrap_or(count);
            left = 10; // 62^10 < 2^64: ten digits per word
        }
        out.push(ALPHABET[(value % 62) as usize] as char);
        value /= 62;
        left -= 1;
    }
    out.into_iter().collect()
}

/// A new 20-character Okta-style id with a 3-character prefix.
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", unique_chars(17))
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// What a handler answers: `Err` carries an Okta error response, so that checks can use `?`.
pub(crate) type Reply = Result<Response, Response>;

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// An Okta error body: `errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`.
pub(crate) fn okta_error(
    status: StatusCode,
    code: &str,
    summary: &str,
    causes: &[String],
) -> Response {
    json_response(
        status,
        json!({
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": format!("oae{}", unique_chars(19)),
            "errorCauses": causes.iter().map(|c| json!({"errorSummary": c})).collect::<Vec<_>>(),
        }),
    )
}

/// 400 E0000001: a value broke a rule; `cause` names the field and the limit.
pub(crate) fn invalid(cause: impl Into<String>) -> Response {
    okta_error(
        StatusCode::BAD_REQUEST,
        "E0000001",
        "Api validation failed",
        &[cause.into()],
    )
}

/// 400 E0000003: the body is not JSON of the expected shape.
pub(crate) fn malformed(reason: impl std::fmt::Display) -> Response {
    okta_error(
        StatusCode::BAD_REQUEST,
        "E0000003",
        "The request body was not well-formed.",
        &[reason.to_string()],
    )
}

/// 404 E0000007.
pub(crate) fn not_found(what: &str) -> Response {
    okta_error(
        StatusCode::NOT_FOUND,
        "E0000007",
        &format!("Not found: Resource not found: {what}"),
        &[],
    )
}

/// Parses a JSON request body into `T`, or answers 400 E0000003.
pub(crate) fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(bytes).map_err(malformed)
}

/// Query parameters (percent-decoded; the last of repeated names wins).
pub(crate) fn query(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// `limit` (1-200, default 20) of a paged list, or 400.
pub(crate) fn limit(params: &HashMap<String, String>) -> Result<usize, Response> {
    match params.get("limit") {
        None => Ok(20),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=200).contains(&n) => Ok(n),
            _ => Err(invalid(format!(
                "limit: `{text}` must be an integer from 1 to 200"
            ))),
        },
    }
}

/// One `attribute operator "value"` term of a SCIM filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    pub attribute: String,
    pub operator: String,
    pub value: String,
}

impl Term {
    pub fn matches(&self, actual: &str) -> bool {
        match self.operator.as_str() {
            "eq" => actual == self.value,
            "sw" => actual
                .to_ascii_lowercase()
                .starts_with(&self.value.to_ascii_lowercase()),
            "co" => actual
                .to_ascii_lowercase()
                .contains(&self.value.to_ascii_lowercase()),
            _ => false,
        }
    }
}

/// Parses `a eq "x" AND b sw "y"` into terms, accepting only `allowed` (attribute, operators).
pub(crate) fn filter(text: &str, allowed: &[(&str, &[&str])]) -> Result<Vec<Term>, Response> {
    let bad = |why: String| invalid(format!("filter: {why} (in `{text}`)"));
    let mut terms = Vec::new();
    let mut rest = text.trim();
    loop {
        let (attribute, after) = rest
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad("expected `attribute operator \"value\"`".into()))?;
        let after = after.trim_start();
        let (operator, after) = after
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad(format!("no operator after `{attribute}`")))?;
        let after = after.trim_start();
        let quoted = after
            .strip_prefix('"')
            .ok_or_else(|| bad(format!("the value of `{attribute}` must be quoted")))?;
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end.ok_or_else(|| bad("unterminated string".into()))?;
        let operator = operator.to_ascii_lowercase();
        match allowed.iter().find(|(name, _)| *name == attribute) {
            Some((_, ops)) if ops.contains(&operator.as_str()) => {}
            Some(_) => {
                return Err(bad(format!(
                    "`{attribute}` does not support the operator `{operator}`"
                )))
            }
            None => {
                let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
                return Err(bad(format!(
                    "`{attribute}` is not filterable (use {})",
                    names.join(", ")
                )));
            }
        }
        terms.push(Term {
            attribute: attribute.to_string(),
            operator,
            value,
        });
        rest = quoted[end..].trim_start();
        if rest.is_empty() {
            return Ok(terms);
        }
        let (and, after) = rest
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad(format!("unexpected `{rest}`")))?;
        if !and.eq_ignore_ascii_case("and") {
            return Err(bad(format!("only AND joins terms, not `{and}`")));
        }
        rest = after.trim_start();
    }
}

/// One page of the items named by `keys` (sorted; the cursor is the last key of a page) after
/// `after`, rendered by `render`, with `_links` and the `Link` header pointing at the admin
/// host, as Okta sends them.
pub(crate) fn page(
    shared: &Shared,
    path: &str,
    params: &HashMap<String, String>,
    keys: &[&str],
    limit: usize,
    render: impl Fn(&str) -> Value,
) -> Response {
    let after = params.get("after").map(String::as_str).unwrap_or_default();
    let start = if after.is_empty() {
        0
    } else {
        keys.partition_point(|key| *key <= after)
    };
    let chunk: Vec<&str> = keys.iter().skip(start).take(limit).copied().collect();
    let more = start + chunk.len() < keys.len();
    let link_query = |after: Option<&str>| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let mut names: Vec<&String> = params.keys().filter(|k| *k != "after").collect();
        names.sort();
        for name in names {
            query.append_pair(name, &params[name]);
        }
        if let Some(after) = after {
            query.append_pair("after", after);
        }
        let query = query.finish();
        if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        }
    };
    let self_link = link_query((!after.is_empty()).then_some(after));
    let mut links = json!({"self": shared.admin_link(&self_link)});
    let next = more
        .then(|| chunk.last().map(|key| link_query(Some(key))))
        .flatten();
    if let Some(next) = &next {
        links["next"] = shared.admin_link(next);
    }
    let data: Vec<Value> = chunk.iter().map(|key| render(key)).collect();
    let mut response = json_response(StatusCode::OK, json!({"data": data, "_links": links}));
    let admin = &shared.settings.admin_base;
    let mut link_header = format!("<{admin}{self_link}>; rel=\"self\"");
    if let Some(next) = next {
        link_header.push_str(&format!(", <{admin}{next}>; rel=\"next\""));
    }
    if let Ok(value) = HeaderValue::from_str(&link_header) {
        response.headers_mut().insert("link", value);
    }
    response
}

/// The caller a request was authenticated as (put in the request's extensions).
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The client id or the API token's admin user.
    pub subject: String,
}

/// The operation of each route, from the generated metadata, by method and path shape.
fn operations() -> &'static HashMap<(String, String), &'static Operation> {
    static MAP: OnceLock<HashMap<(String, String), &'static Operation>> = OnceLock::new();
    MAP.get_or_init(|| {
        okta_governance::client::operations::OPERATIONS
            .iter()
            .map(|op| ((op.method.to_string(), shape(op.path)), *op))
            .collect()
    })
}

/// A path template with its parameters' names left out (`/a/{x}/b` → `/a/{}/b`): the router
/// needs one name per position where the spec uses several (an access id is
/// `securityAccessReviewAccessId` in one path and `securityAccessReviewTargetId` in another).
fn shape(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_name = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_name = true;
                out.push_str("{}");
            }
            '}' => in_name = false,
            c if !in_name => out.push(c),
            _ => {}
        }
    }
    out
}

/// Takes one request from `bucket`'s window: `Ok(remaining)` or `Err(())` when spent; with the
/// reset time in epoch seconds either way.
fn take(shared: &Shared, bucket: &'static str) -> (Result<u32, ()>, u64) {
    let window_ms = shared.settings.window.as_millis() as u64;
    let now = now_millis();
    let index = now / window_ms;
    let reset = ((index + 1) * window_ms).div_ceil(1000);
    let mut windows = lock(&shared.windows);
    let window = windows.entry(bucket).or_insert(Window { index, used: 0 });
    if window.index != index {
        *window = Window { index, used: 0 };
    }
    if window.used < shared.settings.limit {
        window.used += 1;
        (Ok(shared.settings.limit - window.used), reset)
    } else {
        (Err(()), reset)
    }
}

/// Runs around every routed request: request id, rate limit, credentials and scopes.
async fn okta_edge(
    State(shared): State<Arc<Shared>>,
    matched: MatchedPath,
    mut request: Request,
    next: Next,
) -> Response {
    shared.counters.requests.fetch_add(1, Ordering::Relaxed);
    let operation = operations()
        .get(&(request.method().to_string(), shape(matched.as_str())))
        .copied();
    let bucket = match operation {
        Some(op) => op.id,
        None if matched.as_str() == "/oauth2/v1/authorize" => "authorize",
        None => "token",
    };
    let (budget, reset) = take(&shared, bucket);
    let (mut response, remaining) = match budget {
        Err(()) => {
            shared.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
            let response = okta_error(
                StatusCode::TOO_MANY_REQUESTS,
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
                &[],
            );
            (response, 0)
        }
        Ok(remaining) => {
            let response = match operation {
                None => next.run(request).await,
                Some(op) => match oauth::authenticate(&shared, op, &request) {
                    Ok(caller) => {
                        request.extensions_mut().insert(caller);
                        next.run(request).await
                    }
                    Err(refusal) => refusal,
                },
            };
            (response, remaining)
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        "x-rate-limit-limit",
        HeaderValue::from(shared.settings.limit),
    );
    headers.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
    headers.insert("x-rate-limit-reset", HeaderValue::from(reset));
    with_request_id(response)
}

/// Stamps `X-Okta-Request-Id`, as Okta does on every response.
fn with_request_id(mut response: Response) -> Response {
    if let Ok(id) = HeaderValue::from_str(&unique_chars(24)) {
        response.headers_mut().insert("x-okta-request-id", id);
    }
    response
}

/// Paths the simulator does not serve.
async fn unknown(method: Method, uri: axum::http::Uri) -> Response {
    with_request_id(not_found(&format!("{method} {}", uri.path())))
}

/// Every route of the simulated org.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new()
        .route("/oauth2/v1/token", post(oauth::token))
        .route("/oauth2/v1/authorize", get(oauth::authorize))
        .route(
            "/governance/api/v1/labels",
            get(labels::list).post(labels::create),
        )
        .route(
            "/governance/api/v1/labels/{labelId}",
            get(labels::get_one)
                .patch(labels::update)
                .delete(labels::delete),
        )
        .route(
            "/governance/api/v1/resource-labels",
            get(labels::list_resources),
        )
        .route(
            "/governance/api/v1/resource-labels/assign",
            post(labels::assign),
        )
        .route(
            "/governance/api/v1/resource-labels/unassign",
            post(labels::unassign),
        )
        .route(
            crate::campaigns::CAMPAIGNS,
            get(crate::campaigns::list).post(crate::campaigns::create),
        )
        .route(
            "/governance/api/v1/campaigns/{campaignId}",
            get(crate::campaigns::get_one).delete(crate::campaigns::delete),
        )
        .route(
            "/governance/api/v1/campaigns/{campaignId}/launch",
            post(crate::campaigns::launch),
        )
        .route(
            "/governance/api/v1/campaigns/{campaignId}/end",
            post(crate::campaigns::end),
        )
        .route(
            "/governance/api/v1/campaigns/{campaignId}/reviews/reassign",
            post(crate::campaigns::reassign),
        )
        .route(
            crate::campaigns::REVIEWS,
            get(crate::campaigns::list_reviews),
        )
        .route(
            "/governance/api/v1/reviews/{reviewId}",
            get(crate::campaigns::get_review),
        )
        .route(reviews::ADMIN, get(reviews::list).post(reviews::create))
        .route(reviews::MY, get(reviews::my_list));
    // Every operation on one review serves both sides.
    for base in [reviews::ADMIN, reviews::MY] {
        let id = "{securityAccessReviewId}";
        router = router
            .route(&format!("{base}/stats"), get(reviews::stats))
            .route(&format!("{base}/{id}"), get(reviews::get_one))
            .route(
                &format!("{base}/{id}/actions"),
                get(reviews::list_actions).post(reviews::action),
            )
            .route(&format!("{base}/{id}/accesses"), get(reviews::accesses))
            .route(
                &format!("{base}/{id}/accesses/{{securityAccessReviewTargetId}}/sub-accesses"),
                get(reviews::sub_accesses),
            )
            .route(
                &format!("{base}/{id}/accesses/{{securityAccessReviewTargetId}}/anomalies"),
                get(reviews::anomalies),
            )
            .route(
                &format!("{base}/{id}/accesses/{{securityAccessReviewTargetId}}/actions"),
                post(reviews::access_action),
            )
            .route(&format!("{base}/{id}/comment"), post(reviews::comment))
            .route(&format!("{base}/{id}/history"), get(reviews::history))
            .route(&format!("{base}/{id}/principal"), get(reviews::principal));
    }
    router
        .route_layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            okta_edge,
        ))
        .fallback(unknown)
        .with_state(shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESOURCE: &[(&str, &[&str])] = &[("orn", &["eq"]), ("labelValueId", &["eq"])];

    #[test]
    fn identifiers_are_unique_and_look_like_okta_ids() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_id("lbl")).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(100) {
            assert_eq!(id.len(), 20, "{id}");
            assert!(id[3..].bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        }
        let secret = random_chars(48).unwrap();
        assert_eq!(secret.len(), 48);
        assert_ne!(secret, random_chars(48).unwrap());
    }

    #[test]
    fn filters_parse_terms_joined_by_and() {
        let terms = filter(
            r#"orn eq "orn:okta:x" AND labelValueId eq "lbl\"1""#,
            RESOURCE,
        )
        .unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].value, "orn:okta:x");
        assert_eq!(terms[1].value, "lbl\"1");
    }

    #[test]
    fn bad_filters_are_refused() {
        for bad in [
            "",
            "orn",
            "orn eq",
            "orn eq x",
            r#"orn sw "x""#,
            r#"name eq "x""#,
            r#"orn eq "x" OR orn eq "y""#,
            r#"orn eq "x"#,
        ] {
            assert!(filter(bad, RESOURCE).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_operation_of_the_spec_has_a_distinct_path_shape() {
        assert_eq!(shape("/a/{x}/b/{yy}"), "/a/{}/b/{}");
        assert_eq!(shape("/a"), "/a");
        // Leaving the names out must not merge two operations.
        assert_eq!(
            operations().len(),
            okta_governance::client::operations::OPERATIONS.len()
        );
    }

    #[test]
    fn ids_look_like_okta_ids() {
        let id = new_id("lbl");
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("lbl") && id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(new_id("lbl"), id);
    }
}
