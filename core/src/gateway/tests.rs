use super::*;

const POLICY: &str = r#"{"shop_url": "https://shop.example/store", "extensions": {"docker": {}}}"#;

fn gw(text: &str) -> Gateway {
    Gateway::from_json(text).unwrap()
}

fn reply(d: Decision) -> Reply {
    match d {
        Decision::Reply(r) => r,
        other => panic!("not a reply: {other:?}"),
    }
}

fn plan(gw: &Gateway, req: &Request) -> CatalogPlan {
    match gw.route(req) {
        Decision::Catalog(p) => p,
        other => panic!("not a catalog plan: {other:?}"),
    }
}

fn head(status: u16, headers: &[(&str, &str)]) -> UpstreamHead {
    UpstreamHead {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn routes_and_methods() {
    let g = gw(POLICY);
    let r = reply(g.route(&Request::get("/nope?x")));
    assert_eq!(
        (r.status, r.header("content-type")),
        (404, Some("application/json; charset=utf-8"))
    );
    assert!(r.body.starts_with(
        r#"{"status":"error","code":"route.not_found","message":"no route for /nope"}"#
    ));
    let r = reply(g.route(&Request {
        method: "POST",
        ..Request::get("/buy")
    }));
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, HEAD")));
    assert!(r.body.contains("method.not_allowed"));
    let r = reply(g.route(&Request::get("/webhooks/github")));
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
    assert!(matches!(
        g.route(&Request {
            method: "POST",
            ..Request::get("/webhooks/github")
        }),
        Decision::Webhook
    ));
    let r = reply(g.route(&Request::get("/healthz")));
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    let r = reply(g.route(&Request {
        method: "HEAD",
        ..Request::get("/healthz")
    }));
    assert_eq!((r.status, r.body.as_str()), (200, ""));
}

#[test]
fn buy_redirects_or_rejects_by_accept() {
    let g = gw(POLICY);
    let r = reply(g.route(&Request::get(
        "/buy?extension-id=docker&kn=PLSK.12345678.0001&utm=1",
    )));
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some("https://shop.example/store?extension-id=docker&kn=PLSK.12345678.0001")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.body.is_empty());

    let bad = "/buy?extension-id=<b>&kn=PLSK.12345678.0001";
    let html = reply(g.route(&Request::get(bad)));
    assert_eq!(
        (html.status, html.header("content-type")),
        (400, Some("text/html; charset=utf-8"))
    );
    assert!(html.body.contains("<small>extension_id.malformed</small>"));
    assert!(!html.body.contains("<b>"));
    assert_eq!(html.header("vary"), Some("accept"));
    let json = reply(g.route(&Request {
        accept: Some("application/json"),
        ..Request::get(bad)
    }));
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(
        (json.status, v["code"].as_str(), v["field"].as_str()),
        (400, Some("extension_id.malformed"), Some("extension-id"))
    );
    let head = reply(g.route(&Request {
        method: "HEAD",
        ..Request::get(bad)
    }));
    assert_eq!(
        (head.status, head.body.as_str(), head.header("content-type")),
        (400, "", html.header("content-type"))
    );
}

#[test]
fn catalog_plan_asks_for_the_feed_unencoded() {
    let g = gw(POLICY);
    let p = plan(&g, &Request::get("/api/v4/packages?platform=unix"));
    assert_eq!(
        p.upstream_url("https://ext.plesk.com/"),
        "https://ext.plesk.com/api/v4/packages?platform=unix"
    );
    assert_eq!(p.upstream_method(), "GET");
    assert!(p
        .upstream_headers()
        .contains(&("accept-encoding", "identity")));
    assert_eq!(
        p.cache_key("https://u"),
        format!(
            "https://u/api/v4/packages?platform=unix&resale-policy={}",
            g.policy_digest()
        )
    );
    let p = plan(
        &g,
        &Request {
            method: "HEAD",
            ..Request::get("/api/v4/packages")
        },
    );
    assert_eq!(p.upstream_method(), "HEAD");
}

#[test]
fn catalog_answers() {
    let g = gw(POLICY);
    let p = plan(&g, &Request::get("/api/v4/packages"));
    let Answer::Filter { reply, ttl, whole } = p.answer(
        &head(
            200,
            &[
                ("ETag", "\"u1\""),
                ("Cache-Control", "max-age=60"),
                ("Content-Length", "9"),
            ],
        ),
        &[],
    ) else {
        panic!()
    };
    assert_eq!((ttl, whole), (60, Some(9)));
    assert_eq!(reply.header("cache-control"), Some("max-age=60"));
    assert_eq!(reply.header("content-length"), None);
    let etag = reply.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("\"rs-") && etag.len() == 37, "{etag}");

    // The same poll again with that validator: 304, nothing to filter.
    let p2 = plan(
        &g,
        &Request {
            if_none_match: Some(&etag),
            ..Request::get("/api/v4/packages")
        },
    );
    let Answer::Reply(r) = p2.answer(&head(200, &[("etag", "\"u1\"")]), &[]) else {
        panic!()
    };
    assert_eq!(
        (r.status, r.header("etag"), r.body.as_str()),
        (304, Some(etag.as_str()), "")
    );
    // The upstream changed: filtered again.
    assert!(matches!(
        p2.answer(&head(200, &[("etag", "\"u2\"")]), &[]),
        Answer::Filter { .. }
    ));
    // The policy changed: the old validator no longer matches.
    let g2 = gw(&POLICY.replace("docker", "wp-toolkit"));
    let p3 = plan(
        &g2,
        &Request {
            if_none_match: Some(&etag),
            ..Request::get("/api/v4/packages")
        },
    );
    let Answer::Filter { reply, .. } = p3.answer(&head(200, &[("etag", "\"u1\"")]), &[]) else {
        panic!()
    };
    assert_ne!(reply.header("etag"), Some(etag.as_str()));

    // Weak in, weak out; Last-Modified only: weak; nothing: no validator.
    assert!(p
        .etag(Validator::Upstream(&head(200, &[("etag", "W/\"u1\"")])))
        .unwrap()
        .starts_with("W/\"rs-"));
    assert!(p
        .etag(Validator::Upstream(&head(
            200,
            &[("last-modified", "Tue, 01 Dec 2026 10:00:00 GMT")]
        )))
        .unwrap()
        .starts_with("W/"));
    assert_eq!(p.etag(Validator::Upstream(&head(200, &[]))), None);
    assert_ne!(
        p.etag(Validator::Body(b"[]")),
        p.etag(Validator::Body(b"[1]"))
    );

    let Answer::Reply(r) = p.answer(&head(503, &[]), &[]) else {
        panic!()
    };
    assert_eq!(r.status, 502);
    assert!(r.body.contains("\"upstream.failed\""));
    let Answer::Reply(r) = p.answer(&head(200, &[("content-encoding", "gzip")]), &[]) else {
        panic!()
    };
    assert!(r.body.contains("\"upstream.encoding\""));
    assert!(matches!(
        p.answer(&head(200, &[("content-encoding", "gzip")]), &["gzip"]),
        Answer::Filter { .. }
    ));
    assert!(matches!(p.answer(&head(404, &[]), &[]), Answer::Pass));
    assert!(matches!(p.answer(&head(204, &[]), &[]), Answer::Pass));
    let other = plan(&g, &Request::get("/api/v4/packages/docker"));
    assert!(matches!(
        other.answer(&head(200, &[("content-encoding", "br")]), &[]),
        Answer::Pass
    ));
    assert!(p
        .unreachable("refused")
        .body
        .contains("\"upstream.unreachable\""));
}

#[test]
fn cache_seconds_bounds_the_lifetime() {
    let g = gw(r#"{"shop_url": "https://shop.example", "catalog": {"cache_seconds": 0}}"#);
    let p = plan(&g, &Request::get("/api/v4/packages"));
    let Answer::Filter { reply, ttl, .. } =
        p.answer(&head(200, &[("cache-control", "max-age=60")]), &[])
    else {
        panic!()
    };
    assert_eq!((ttl, reply.header("cache-control")), (0, Some("no-cache")));
    let e = Gateway::from_json(
        r#"{"shop_url": "https://shop.example", "catalog": {"cache_seconds": 86401}}"#,
    )
    .err()
    .unwrap();
    assert_eq!(
        (e.code, e.field.as_deref().unwrap()),
        (
            "policy.catalog.cache_seconds.out_of_range",
            "$.catalog.cache_seconds"
        )
    );
}

#[test]
fn webhook_steps() {
    let r = match webhook::receive(b"{}", None, Some("ping"), &[b"s"]) {
        webhook::Received::Reply(r) => r,
        _ => panic!(),
    };
    assert_eq!(r.status, 401);
    assert!(r.body.contains("signature.missing"));
    let sig = crate::marketplace::signature::sign(b"{}", b"s");
    let r = match webhook::receive(b"{}", Some(&sig), Some("ping"), &[b"s"]) {
        webhook::Received::Reply(r) => r,
        _ => panic!(),
    };
    assert_eq!(r.body, "{\"status\":\"ignored\",\"reason\":\"event.not_marketplace_purchase\",\"event\":\"ping\"}\n");
    let r = match webhook::receive(b"{}", Some(&sig), Some("marketplace_purchase"), &[b"s"]) {
        webhook::Received::Reply(r) => r,
        _ => panic!(),
    };
    assert_eq!(r.status, 422);
}
