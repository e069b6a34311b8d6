//! The client's seam and metadata, tested through their public (partly `#[doc(hidden)]`) items.
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
            let message = seg(bad).unwrap_err();
            let refusal = PathRefusal::from_message(&message).unwrap();
            assert_eq!(refusal.param, "labelId", "{message}");
        }
        let long = "a".repeat(MAX_PATH_VALUE + 1);
        assert!(seg(&long).unwrap_err().contains("1024"));
        assert!(seg(&long[1..]).is_ok());
        assert_eq!(
            PathRefusal::from_message("labelId was not initialized"),
            None
        );
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

    #[derive(Debug, PartialEq)]
    struct Boom(&'static str);

    #[test]
    fn failures_round_trip_through_a_synthetic_response() {
        let mut response = failure_response(Boom("token endpoint said no"));
        assert_eq!(response.status().as_u16(), FAILURE_STATUS);
        assert!(take_failure::<String>(&mut response).is_none());
        assert_eq!(
            take_failure::<Boom>(&mut response),
            Some(Boom("token endpoint said no"))
        );
        // Taken once.
        assert!(take_failure::<Boom>(&mut response).is_none());
    }

    #[derive(Debug, Clone, PartialEq)]
    struct Mark(u8);

    #[tokio::test]
    async fn an_unexpected_response_gets_its_read_body_back() {
        use reqwest::ResponseBuilderExt;
        let url: reqwest::Url = "https://acme.okta.com/governance/api/v1/labels"
            .parse()
            .unwrap();
        let mut spent = http::Response::builder()
            .status(202)
            .header("x-okta-request-id", "req-1")
            .url(url.clone())
            .body(reqwest::Body::from(Vec::<u8>::new()))
            .unwrap();
        spent
            .extensions_mut()
            .insert(ReadBody(bytes::Bytes::from_static(b"{\"id\":1}")));
        spent.extensions_mut().insert(Mark(7));
        let response = unexpected(reqwest::Response::from(spent));
        assert_eq!(response.status().as_u16(), 202);
        assert_eq!(response.url(), &url);
        assert_eq!(response.headers()["x-okta-request-id"], "req-1");
        assert_eq!(response.extensions().get::<Mark>(), Some(&Mark(7)));
        assert!(response.extensions().get::<ReadBody>().is_none());
        assert_eq!(response.text().await.unwrap(), "{\"id\":1}");

        // Without a read body, the response is handed on untouched.
        let plain = reqwest::Response::from(http::Response::new(reqwest::Body::from("as sent")));
        assert_eq!(unexpected(plain).text().await.unwrap(), "as sent");
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
