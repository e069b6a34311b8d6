//! The simulator's answers checked by a real validator: every request and response of a full
//! session (successes and Okta errors alike) goes through Stoplight Prism running as a
//! validating proxy of the pinned spec, which lists any mismatch in its `sl-violations` header.
//! A simulator that drifts from the API fails here.
//!
//! Needs `OIG_PRISM_BIN` and `OIG_SPEC` (set by `cargo xtask test`); skipped without them
//! outside CI.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use okta_governance::Scopes;
use okta_governance_simulator::Simulator;
use serde_json::{json, Value};

struct Proxy {
    child: Child,
    url: String,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn proxy(upstream: &str) -> Option<Proxy> {
    let (bin, spec) = match (std::env::var("OIG_PRISM_BIN"), std::env::var("OIG_SPEC")) {
        (Ok(bin), Ok(spec)) => (bin, spec),
        _ if std::env::var_os("CI").is_some() => {
            panic!("OIG_PRISM_BIN / OIG_SPEC are not set: run the tests with `cargo xtask test`")
        }
        _ => {
            eprintln!("SKIPPED: no Prism (run `cargo xtask test`)");
            return None;
        }
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["proxy", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(spec)
        .arg(upstream)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prism starts");
    let mut proxy = Proxy {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = proxy.child.try_wait().unwrap() {
            panic!("prism proxy exited at start ({status})");
        }
        assert!(Instant::now() < deadline, "prism proxy did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    Some(proxy)
}

/// One exchange through the proxy: status, body, and Prism's violations.
struct Exchange {
    status: u16,
    body: Value,
    violations: Vec<Value>,
}

struct Session {
    http: reqwest::Client,
    base: String,
    token: String,
    seen: Vec<String>,
}

impl Session {
    async fn call(&mut self, method: &str, path_and_query: &str, body: Option<Value>) -> Exchange {
        let mut request = self
            .http
            .request(
                method.parse().unwrap(),
                format!("{}{path_and_query}", self.base),
            )
            .bearer_auth(&self.token)
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let violations: Vec<Value> = response
            .headers()
            .get("sl-violations")
            .and_then(|v| serde_json::from_slice(v.as_bytes()).ok())
            .unwrap_or_default();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        self.seen
            .push(format!("{method} {path_and_query} -> {status}"));
        Exchange {
            status,
            body,
            violations,
        }
    }

    async fn expect(
        &mut self,
        status: u16,
        method: &str,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Value {
        let exchange = self.call(method, path_and_query, body).await;
        assert_eq!(
            exchange.status, status,
            "{method} {path_and_query}: {}",
            exchange.body
        );
        assert!(
            exchange.violations.is_empty(),
            "{method} {path_and_query} answered {status}, breaking the spec: {:#?}",
            exchange.violations
        );
        exchange.body
    }
}

impl Session {
    /// An Okta refusal with a status the spec does not declare for the operation (the live API
    /// sends them, and so does the simulator): the only violation allowed is that one, and the
    /// body must be an Okta error.
    async fn expect_undeclared(&mut self, status: u16, method: &str, path_and_query: &str) {
        let exchange = self.call(method, path_and_query, None).await;
        assert_eq!(exchange.status, status, "{method} {path_and_query}");
        let other: Vec<&Value> = exchange
            .violations
            .iter()
            .filter(|v| {
                !v["message"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("Unable to match the returned status code")
            })
            .collect();
        assert!(other.is_empty(), "{method} {path_and_query}: {other:#?}");
        for field in ["errorCode", "errorSummary", "errorId"] {
            assert!(
                exchange.body[field].is_string(),
                "{field}: {}",
                exchange.body
            );
        }
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_simulator_answer_validates_against_the_pinned_spec() {
    let org = Simulator::builder()
        .review_activation(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let Some(proxy) = proxy(org.url()) else {
        return;
    };
    let mut s = Session {
        http: okta_governance::Governance::http_client_builder()
            .unwrap()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
        base: proxy.url.clone(),
        token: org
            .issue_token(&Scopes::all_governance())
            .unwrap()
            .expose()
            .to_string(),
        seen: Vec::new(),
    };
    let labels = "/governance/api/v1/labels";

    let list = s.expect(200, "GET", labels, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    s.expect(
        200,
        "GET",
        &format!("{labels}?filter={}", encode("values.name sw \"Crown\"")),
        None,
    )
    .await;
    let created = s
        .expect(
            201,
            "POST",
            labels,
            Some(json!({"name": "Sensitivity", "values": [
                {"name": "High", "metadata": {"additionalProperties": {"backgroundColor": "red"}}},
                {"name": "Low"}
            ]})),
        )
        .await;
    let label_id = created["labelId"].as_str().unwrap().to_string();
    let high = created["values"][0]["labelValueId"]
        .as_str()
        .unwrap()
        .to_string();
    let low = created["values"][1]["labelValueId"]
        .as_str()
        .unwrap()
        .to_string();
    s.expect(200, "GET", &format!("{labels}/{label_id}"), None)
        .await;
    s.expect(
        200,
        "PATCH",
        &format!("{labels}/{label_id}"),
        Some(json!([
            {"op": "REPLACE", "path": "/name", "value": "Data sensitivity", "refType": "LABEL-CATEGORY"},
            {"op": "ADD", "path": "/values/-", "value": {"name": "Medium", "metadata": {"additionalProperties": {"backgroundColor": "yellow"}}}, "refType": "LABEL-VALUE"},
            {"op": "REMOVE", "path": format!("/values/{low}"), "refType": "LABEL-VALUE"}
        ])),
    )
    .await;

    let directory = org.directory().clone();
    let app = directory.apps[0].orn.clone().unwrap().to_string();
    let group = directory.groups[0].orn.clone().unwrap().to_string();
    let assigned = s
        .expect(
            200,
            "POST",
            "/governance/api/v1/resource-labels/assign",
            Some(json!({"resourceOrns": [app, group], "labelValueIds": [high]})),
        )
        .await;
    assert_eq!(assigned["data"].as_array().unwrap().len(), 2);
    let first = s
        .expect(
            200,
            "GET",
            &format!(
                "/governance/api/v1/resource-labels?limit=1&filter={}",
                encode(&format!("labelValueId eq \"{high}\""))
            ),
            None,
        )
        .await;
    let next = first["_links"]["next"]["href"].as_str().unwrap();
    let after = url::Url::parse(next)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "after")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    s.expect(
        200,
        "GET",
        &format!(
            "/governance/api/v1/resource-labels?limit=1&after={}&filter={}",
            encode(&after),
            encode(&format!("labelValueId eq \"{high}\""))
        ),
        None,
    )
    .await;
    s.expect(
        200,
        "GET",
        &format!(
            "/governance/api/v1/resource-labels?filter={}",
            encode("resourceType eq \"apps\"")
        ),
        None,
    )
    .await;

    // Okta's refusals: an assigned label, a predefined one, an unknown one.
    s.expect_undeclared(400, "DELETE", &format!("{labels}/{label_id}"))
        .await;
    s.expect(404, "GET", &format!("{labels}/lbcnotthere000000000"), None)
        .await;
    s.expect(
        204,
        "POST",
        "/governance/api/v1/resource-labels/unassign",
        Some(json!({"resourceOrns": [app, group], "labelValueIds": [high]})),
    )
    .await;
    s.expect(204, "DELETE", &format!("{labels}/{label_id}"), None)
        .await;

    let reviews = "/governance/api/v2/security-access-reviews";
    let review = s
        .expect(
            202,
            "POST",
            reviews,
            Some(json!({
                "principalId": directory.users[0].id,
                "name": "Access review for Avery Quinn",
                "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": [directory.users[1].id]}},
            })),
        )
        .await;
    assert_eq!(review["status"], "PENDING");
    let id = review["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let active = s.expect(200, "GET", &format!("{reviews}/{id}"), None).await;
    assert_eq!(active["status"], "ACTIVE");
    s.expect(200, "GET", &format!("{reviews}?limit=5"), None)
        .await;
    let accesses = s
        .expect(
            200,
            "GET",
            &format!("{reviews}/{id}/accesses?limit=2"),
            None,
        )
        .await;
    let access = accesses["data"][0]["id"].as_str().unwrap().to_string();
    let action = accesses["data"][0]["supportedActions"][0]
        .as_str()
        .unwrap()
        .to_string();
    s.expect(
        202,
        "POST",
        &format!("{reviews}/{id}/accesses/{access}/actions"),
        Some(json!({"type": action})),
    )
    .await;
    s.expect(
        204,
        "POST",
        &format!("{reviews}/{id}/comment"),
        Some(json!({"comment": "Revoked: no longer on the team"})),
    )
    .await;
    // Everything about one review the admin can read: per access, its sub-accesses (groups,
    // entitlement values and bundles) and anomalies; the history, principal, actions, stats.
    let every = s
        .expect(200, "GET", &format!("{reviews}/{id}/accesses"), None)
        .await;
    let mut sub_access = None;
    for item in every["data"].as_array().unwrap() {
        let target = item["id"].as_str().unwrap();
        let subs = s
            .expect(
                200,
                "GET",
                &format!("{reviews}/{id}/accesses/{target}/sub-accesses?limit=1"),
                None,
            )
            .await;
        if let Some(first) = subs["data"][0]["id"].as_str() {
            sub_access = Some((target.to_string(), first.to_string()));
        }
        s.expect(
            200,
            "GET",
            &format!("{reviews}/{id}/accesses/{target}/anomalies"),
            None,
        )
        .await;
    }
    let (parent, sub_access) = sub_access.expect("some access has sub-accesses");
    s.expect(
        200,
        "GET",
        &format!(
            "{reviews}/{id}/accesses/{parent}/sub-accesses?filter={}&orderBy={}",
            encode(r#"resourceType eq "GROUP""#),
            encode("priority desc")
        ),
        None,
    )
    .await;
    s.expect(
        202,
        "POST",
        &format!("{reviews}/{id}/accesses/{sub_access}/actions"),
        Some(json!({"type": "REVOKE_ACCESS"})),
    )
    .await;
    s.expect(200, "GET", &format!("{reviews}/{id}/history?limit=2"), None)
        .await;
    s.expect(200, "GET", &format!("{reviews}/{id}/principal"), None)
        .await;
    s.expect(200, "GET", &format!("{reviews}/{id}/actions"), None)
        .await;
    s.expect(200, "GET", &format!("{reviews}/stats"), None)
        .await;
    // The reviewer's side, with a user token.
    let admin_token = s.token.clone();
    let end_user = Scopes::new([
        "okta.governance.securityAccessReviews.endUser.read",
        "okta.governance.securityAccessReviews.endUser.manage",
    ]);
    s.token = org
        .issue_user_token(&directory.users[1].id, &end_user)
        .unwrap()
        .expose()
        .to_string();
    let my = "/governance/api/v2/my/security-access-reviews";
    s.expect(200, "GET", &format!("{my}?limit=5"), None).await;
    s.expect(200, "GET", &format!("{my}/{id}"), None).await;
    let mine = s
        .expect(200, "GET", &format!("{my}/{id}/accesses"), None)
        .await;
    let first = mine["data"][0]["id"].as_str().unwrap().to_string();
    for tail in [
        format!("/{id}/accesses/{parent}/sub-accesses"),
        format!("/{id}/accesses/{first}/anomalies"),
        format!("/{id}/history"),
        format!("/{id}/principal"),
        format!("/{id}/actions"),
        "/stats".to_string(),
    ] {
        s.expect(200, "GET", &format!("{my}{tail}"), None).await;
    }
    s.expect(
        204,
        "POST",
        &format!("{my}/{id}/comment"),
        Some(json!({"comment": "Looks right"})),
    )
    .await;
    s.token = org
        .issue_user_token(&directory.users[2].id, &end_user)
        .unwrap()
        .expose()
        .to_string();
    s.expect(403, "GET", &format!("{my}/{id}"), None).await;
    s.token = admin_token;
    s.expect(
        202,
        "POST",
        &format!("{reviews}/{id}/actions"),
        Some(json!({"actionType": "CLOSE_REVIEW"})),
    )
    .await;
    s.expect(
        202,
        "POST",
        &format!("{reviews}/{id}/actions"),
        Some(json!({"actionType": "RESTORE_ALL_ACCESS"})),
    )
    .await;
    s.expect(404, "GET", &format!("{reviews}/sarnotthere000000000"), None)
        .await;

    // Access-certification campaigns and their reviews.
    let campaigns = "/governance/api/v1/campaigns";
    let definition = json!({
        "name": "Quarterly Salesforce access review",
        "scheduleSettings": {"type": "ONE_OFF", "startDate": "2027-01-04T09:00:00Z", "durationInDays": 14, "timeZone": "Europe/Paris"},
        "resourceSettings": {"type": "APPLICATION", "targetResources": [{"resourceId": directory.apps[0].id, "resourceType": "APPLICATION"}]},
        "reviewerSettings": {"type": "USER", "reviewerId": directory.users[1].id, "fallBackReviewerId": directory.users[2].id},
        "remediationSettings": {"accessApproved": "NO_ACTION", "accessRevoked": "DENY", "noResponse": "NO_ACTION"}
    });
    let campaign = s
        .expect(201, "POST", campaigns, Some(definition.clone()))
        .await;
    let campaign_id = campaign["id"].as_str().unwrap().to_string();
    s.expect(
        200,
        "GET",
        &format!(
            "{campaigns}?filter={}",
            encode("name eq \"Quarterly Salesforce access review\"")
        ),
        None,
    )
    .await;
    s.expect(
        202,
        "POST",
        &format!("{campaigns}/{campaign_id}/launch"),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let active = s
        .expect(200, "GET", &format!("{campaigns}/{campaign_id}"), None)
        .await;
    assert_eq!(active["status"], "ACTIVE");
    let listed = s
        .expect(
            200,
            "GET",
            &format!(
                "/governance/api/v1/reviews?limit=2&filter={}",
                encode(&format!("campaignId eq \"{campaign_id}\""))
            ),
            None,
        )
        .await;
    let review_id = listed["data"][0]["id"].as_str().unwrap().to_string();
    org.decide(&campaign_id, |_| {
        Some((
            okta_governance_simulator::Decision::Revoke,
            Some("left".into()),
        ))
    });
    s.expect(
        200,
        "GET",
        &format!("/governance/api/v1/reviews/{review_id}"),
        None,
    )
    .await;
    s.expect(
        200,
        "POST",
        &format!("{campaigns}/{campaign_id}/reviews/reassign"),
        Some(json!({"reviewerId": directory.users[2].id, "reviewIds": [review_id], "note": "Reviewer left"})),
    )
    .await;
    s.expect(
        202,
        "POST",
        &format!("{campaigns}/{campaign_id}/end"),
        Some(json!({"skipRemediation": false})),
    )
    .await;
    s.expect(409, "DELETE", &format!("{campaigns}/{campaign_id}"), None)
        .await;
    let unlaunched = s.expect(201, "POST", campaigns, Some(definition)).await;
    s.expect(
        204,
        "DELETE",
        &format!("{campaigns}/{}", unlaunched["id"].as_str().unwrap()),
        None,
    )
    .await;
    s.expect(
        404,
        "GET",
        &format!("{campaigns}/icinotthere000000000"),
        None,
    )
    .await;

    // Credentials and scopes.
    s.token = org
        .issue_token(&Scopes::new(["okta.governance.labels.read"]))
        .unwrap()
        .expose()
        .to_string();
    s.expect(
        403,
        "POST",
        labels,
        Some(json!({"name": "Nope", "values": [{"name": "Nope"}]})),
    )
    .await;
    s.token = "not-a-token".into();
    s.expect(401, "GET", labels, None).await;
    eprintln!("validated by Prism:\n  {}", s.seen.join("\n  "));
}
