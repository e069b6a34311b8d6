//! Paging through a local server whose links point at the `-admin` host, as Okta's do.

use crate::common;

use common::default_client;
use futures_util::TryStreamExt;
use okta_governance::client::prelude::*;
use okta_governance::paginate::Paginate;
use okta_governance::Error;
use serde_json::json;
use wiremock::matchers::{path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TEAMS: &str = "/governance/api/v1/teams";
// This operation's cursor is a team id (24 hex digits).
const C1: &str = "0000000000000000000000c1";
const C2: &str = "0000000000000000000000c2";

fn team(n: u32) -> serde_json::Value {
    json!({"id": format!("{n:024x}"), "name": format!("Team {n}"), "created": "2025-01-01T00:00:00Z", "lastUpdated": "2025-01-02T00:00:00Z"})
}

fn page(items: Vec<serde_json::Value>, next: Option<&str>) -> serde_json::Value {
    let mut links =
        json!({"self": {"href": "https://acme-admin.okta.com/governance/api/v1/teams"}});
    if let Some(after) = next {
        links["next"] = json!({"href": format!("https://acme-admin.okta.com/governance/api/v1/teams?after={after}&limit=2")});
    }
    json!({"data": items, "_links": links})
}

#[tokio::test]
async fn items_stream_across_pages_without_leaving_the_org() {
    let org = MockServer::start().await;
    // Page 1: the cursor only in the Link header (pointing at the -admin host).
    Mock::given(path(TEAMS))
        .and(query_param_is_missing("after"))
        .and(query_param("limit", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", "<https://acme-admin.okta.com/governance/api/v1/teams?after=0000000000000000000000c1&limit=2>; rel=\"next\"")
                .set_body_json(page(vec![team(1), team(2)], None)),
        )
        .expect(1)
        .mount(&org)
        .await;
    // Page 2: the cursor only in the body's _links.next.
    Mock::given(path(TEAMS))
        .and(query_param("after", C1))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(page(vec![team(3), team(4)], Some(C2))),
        )
        .expect(1)
        .mount(&org)
        .await;
    // Page 3: last.
    Mock::given(path(TEAMS))
        .and(query_param("after", C2))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(vec![team(5)], None)))
        .expect(1)
        .mount(&org)
        .await;
    let okta = default_client(&org);
    let names: Vec<String> = okta
        .list_all_request_teams()
        .items(2)
        .unwrap()
        .map_ok(|team| team.name.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["Team 1", "Team 2", "Team 3", "Team 4", "Team 5"]);
    let seen = org.received_requests().await.unwrap();
    assert_eq!(
        seen.len(),
        3,
        "one request per page, all to the configured org"
    );
    assert!(seen
        .iter()
        .all(|r| r.headers.get("authorization").is_some()));
}

#[tokio::test]
async fn pages_are_fetched_only_as_the_stream_is_polled() {
    let org = MockServer::start().await;
    Mock::given(path(TEAMS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(page(vec![team(1), team(2)], Some(C1))),
        )
        .mount(&org)
        .await;
    let okta = default_client(&org);
    let mut pages = okta.list_all_request_teams().pages(2).unwrap();
    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.next_cursor.as_deref(), Some(C1));
    assert_eq!(
        org.received_requests().await.unwrap().len(),
        1,
        "no page is fetched ahead"
    );
}

#[tokio::test]
async fn a_page_size_over_200_is_refused_before_sending() {
    let org = MockServer::start().await;
    let okta = default_client(&org);
    let error = okta.list_all_request_teams().items(201).err().unwrap();
    assert!(
        matches!(&error, Error::InvalidInput { field, .. } if field == "limit"),
        "{error:?}"
    );
    assert!(org.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn lists_whose_spec_declares_no_next_link_page_through_the_link_header() {
    // The spec gives `listMyDelegateUsers` only `_links.self`; Okta still pages it, with the
    // cursor in the `Link` header.
    const USERS: &str = "/governance/api/v1/my/settings/delegate/users";
    let user = |n: u32| json!({"id": format!("00u{n:017}"), "email": format!("u{n}@example.com")});
    let org = MockServer::start().await;
    Mock::given(path(USERS))
        .and(query_param_is_missing("after"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", "<https://acme-admin.okta.com/governance/api/v1/my/settings/delegate/users?after=00u00000000000000002&limit=2>; rel=\"next\"")
                .set_body_json(json!({"data": [user(1), user(2)], "_links": {"self": {"href": "https://acme-admin.okta.com/x"}}})),
        )
        .expect(1)
        .mount(&org)
        .await;
    Mock::given(path(USERS))
        .and(query_param("after", "00u00000000000000002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [user(3)], "_links": {"self": {"href": "https://acme-admin.okta.com/x"}}}),
        ))
        .expect(1)
        .mount(&org)
        .await;
    let users: Vec<_> = default_client(&org)
        .list_my_delegate_users()
        .filter("firstName sw \"A\"")
        .items(2)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<String> = users.iter().map(|u| u.id.to_string()).collect();
    assert_eq!(
        ids,
        [
            "00u00000000000000001",
            "00u00000000000000002",
            "00u00000000000000003"
        ]
    );
}

/// A grant as the spec's `GrantsSuccess` example has it; with `entitlements` it becomes the
/// `GrantsSuccessCustom` shape (what `include=entitlements` answers).
fn grant(id: &str, with_entitlements: bool) -> serde_json::Value {
    let mut grant = json!({
        "id": id, "created": "2022-05-24T14:15:22Z", "createdBy": "00ub0oNGTSWTBKOLGLNR",
        "lastUpdated": "2022-05-24T14:15:22Z", "lastUpdatedBy": "00ub0oNGTSWTBKOLGLNR",
        "grantType": "CUSTOM", "action": "ALLOW", "actor": "API",
        "targetResourceOrn": "orn:okta:idp:00o11edPwGqbUrsDm0g4:apps:salesforce:0oafxqCAJWWGELFTYASJ",
        "target": {"externalId": "0oafxqCAJWWGELFTYASJ", "type": "APPLICATION"},
        "targetPrincipalOrn": "orn:okta:directory:00o11edPwGqbUrsDm0g4:users:00ub0oNGTSWTBKOLGLNR",
        "targetPrincipal": {"externalId": "00ub0oNGTSWTBKOLGLNR", "type": "OKTA_USER"},
        "status": "ACTIVE",
        "_links": {"self": {"href": format!("https://acme-admin.okta.com/governance/api/v1/grants/{id}")}}
    });
    if with_entitlements {
        grant["entitlements"] = json!([{
            "id": "espo3v6xlwdtEX2il1d6", "name": "License", "externalValue": "License",
            "multiValue": true, "required": false, "dataType": "string",
            "values": [{"id": "ento3v6xmkviXCltm1d6", "name": "A label", "externalValue": "A"}]
        }]);
    }
    grant
}

#[tokio::test]
async fn list_grants_streams_whichever_page_shape_comes_back() {
    use okta_governance::client::paging::ListGrantsItem;
    const GRANTS: &str = "/governance/api/v1/grants";
    let org = MockServer::start().await;
    Mock::given(path(GRANTS))
        .and(query_param_is_missing("after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [grant("0ggb0oNGTSWTBKOLGLN1", false), grant("0ggb0oNGTSWTBKOLGLN2", false)],
            "_links": {
                "self": {"href": "https://acme-admin.okta.com/governance/api/v1/grants"},
                "next": {"href": "https://acme-admin.okta.com/governance/api/v1/grants?after=0ggb0oNGTSWTBKOLGLN2&limit=2"}
            }
        })))
        .expect(1)
        .mount(&org)
        .await;
    Mock::given(path(GRANTS))
        .and(query_param("after", "0ggb0oNGTSWTBKOLGLN2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [grant("0ggb0oNGTSWTBKOLGLN3", true)],
            "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/grants"}}
        })))
        .expect(1)
        .mount(&org)
        .await;
    let okta = default_client(&org);
    let items: Vec<ListGrantsItem> = okta
        .list_grants()
        .filter("target.externalId eq \"0oafxqCAJWWGELFTYASJ\" AND target.type eq \"APPLICATION\"")
        .items(2)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let seen: Vec<(String, bool)> = items
        .iter()
        .map(|item| match item {
            ListGrantsItem::GrantsList(grant) => (grant.id.to_string(), false),
            ListGrantsItem::GrantsListWithEntitlements(grant) => {
                assert_eq!(grant.entitlements.len(), 1);
                (grant.id.to_string(), true)
            }
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("0ggb0oNGTSWTBKOLGLN1".to_string(), false),
            ("0ggb0oNGTSWTBKOLGLN2".to_string(), false),
            ("0ggb0oNGTSWTBKOLGLN3".to_string(), true),
        ]
    );
}
