//! The client's seam and metadata, tested through their public items.
//! They live here rather than as unit tests of the client crate so that its 147,000-line
//! generated file is not compiled a second time for a unit-test harness.

mod hooks {

    use okta_governance_client::hooks::*;
    use okta_governance_client::ParamLocation;

    #[test]
    fn path_values_are_one_segment_or_refused() {
        let seg = |v: &str| path_segment(v, "labelId");
        assert_eq!(seg("lbl12h191hy4H2f711d7").unwrap(), "lbl12h191hy4H2f711d7");
        assert_eq!(
            seg("orn:okta:directory:00o1:groups:00g1").unwrap(),
            "orn:okta:directory:00o1:groups:00g1"
        );
        assert_eq!(seg(r"..\..\api").unwrap(), "..%5C..%5Capi");
        assert_eq!(seg("a/b?x=1#f").unwrap(), "a%2Fb%3Fx%3D1%23f");
        assert_eq!(seg("%2e%2e").unwrap(), "%252e%252e");
        assert_eq!(seg("\u{ff0e}\u{ff0e}").unwrap(), "%EF%BC%8E%EF%BC%8E");
        for bad in ["", ".", ".."] {
            let error = seg(bad).unwrap_err();
            assert_eq!(error.invalid_field(), Some("labelId"), "{error}");
        }
        let long = "a".repeat(MAX_PATH_VALUE + 1);
        let error = seg(&long).unwrap_err();
        assert!(error.to_string().contains("1024"), "{error}");
        // The long value is not repeated in the error.
        assert!(!format!("{error:?}").contains(&long[..100]), "{error:?}");
        assert!(seg(&long[1..]).is_ok());
    }

    #[test]
    fn every_path_parameter_of_the_generated_code_goes_through_the_hook() {
        let generated = include_str!("../../governance-client/src/generated.rs");
        let params: usize = okta_governance_client::operations::OPERATIONS
            .iter()
            .map(|op| {
                op.params
                    .iter()
                    .filter(|p| p.location == ParamLocation::Path)
                    .count()
            })
            .sum();
        assert_eq!(generated.matches("::hooks::path_segment(").count(), params);
        assert!(!generated.contains("encode_path("));
    }

    #[test]
    fn paths_must_fit_their_template() {
        let t = "/governance/api/v1/labels/{labelId}";
        assert_eq!(check_path(t, "/governance/api/v1/labels/lbl1"), Ok(()));
        assert_eq!(check_path(t, "/governance/api/v1/labels/"), Err("labelId"));
        assert_eq!(check_path(t, "/governance/api/v1/labels"), Err("labelId"));
        assert_eq!(
            check_path(t, "/governance/api/v1/labels/a/b"),
            Err("labelId")
        );
        assert_eq!(check_path(t, "/api/v1/users/00u1"), Err("path"));
        assert_eq!(
            check_path(t, "/governance/api/v1/labels/.."),
            Err("labelId")
        );
        // Every template of the spec has whole-segment parameters only.
        for op in okta_governance_client::operations::OPERATIONS {
            for segment in op.path.split('/') {
                let inner = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
                assert!(
                    inner.is_some() || !segment.contains(['{', '}']),
                    "{}: {segment}",
                    op.id
                );
            }
        }
    }

    #[tokio::test]
    async fn a_response_keeps_its_status_headers_and_body_for_a_transport() {
        let url: reqwest::Url = "https://acme.okta.com/governance/api/v1/labels"
            .parse()
            .unwrap();
        let mut sent = http::Response::builder()
            .status(202)
            .header("x-okta-request-id", "req-1")
            .body(reqwest::Body::from("{\"id\":1}"))
            .unwrap();
        sent.extensions_mut().insert(url);
        let mut response = reqwest::Response::from(sent);
        let body = read_limited(&mut response, 1024).await.unwrap();
        let http = into_http(response, body);
        assert_eq!(http.status().as_u16(), 202);
        assert_eq!(http.headers()["x-okta-request-id"], "req-1");
        assert_eq!(http.body().as_ref(), b"{\"id\":1}");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused() {
        let mut response = reqwest::Response::from(
            http::Response::builder()
                .status(200)
                .body(reqwest::Body::from(vec![b'x'; 2048]))
                .unwrap(),
        );
        let error = read_limited(&mut response, 1024)
            .await
            .unwrap_err()
            .into_error();
        assert!(
            matches!(
                error,
                okta_governance_client::Error::BodyTooLarge {
                    status: 200,
                    limit: 1024
                }
            ),
            "{error:?}"
        );
    }
}

mod operation {

    use okta_governance_client::operation::*;
    use okta_governance_client::operations::{BY_RUST_METHOD, OPERATIONS};

    #[test]
    fn both_indexes_find_every_operation() {
        assert_eq!(OPERATIONS.len(), BY_RUST_METHOD.len());
        for op in OPERATIONS {
            assert_eq!(by_id(op.id).map(|o| o.id), Some(op.id));
            assert_eq!(by_rust_method(op.rust_method).map(|o| o.id), Some(op.id));
        }
        assert!(by_rust_method("no_such_method").is_none());
        assert!(by_id("noSuchOperation").is_none());
    }
}
