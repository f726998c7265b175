use std::time::Duration;

use corridor_core::sync::wire::{codes, Account, LoginResponse, Role, SecretString, TokenInfo, IDEMPOTENCY_KEY_HEADER};
use corridor_hub::{admin, HubError};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

use crate::common::{error_code, key, status_and_body, TestHub, PASSWORD};

async fn login(hub: &TestHub, username: &str, password: &str) -> Response {
    hub.request(Method::POST, "/v1/auth/login")
        .json(&json!({"username": username, "password": password, "device_label": "tablet 3, Beitbridge"}))
        .send()
        .await
        .unwrap()
}

/// A login as the proxy in front of the hub forwards it for `address`.
async fn login_from(hub: &TestHub, address: &str, username: &str, password: &str) -> Response {
    hub.request(Method::POST, "/v1/auth/login")
        .header("x-forwarded-for", address)
        .json(&json!({"username": username, "password": password, "device_label": "phone"}))
        .send()
        .await
        .unwrap()
}

async fn me(hub: &TestHub, token: &str) -> Response {
    hub.request(Method::GET, "/v1/auth/me")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn login_gives_a_token_that_names_the_account() {
    let hub = TestHub::start().await;
    hub.add_user("thandi", Role::Educator, &["musina", "beitbridge"]);
    let response = login(&hub, "thandi", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let first: LoginResponse = response.json().await.unwrap();
    assert_eq!(first.token.expose().len(), 64);
    assert_eq!(first.role, Role::Educator);
    assert_eq!(first.sites, ["beitbridge", "musina"]);

    let response = me(&hub, first.token.expose()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let account: Account = response.json().await.unwrap();
    assert_eq!(account.username, "thandi");
    assert_eq!(account.token_id, first.token_id);
    assert_eq!(account.sites, ["beitbridge", "musina"]);

    // Another login is another token.
    let second: LoginResponse = login(&hub, "thandi", PASSWORD).await.json().await.unwrap();
    assert_ne!(second.token.expose(), first.token.expose());
    assert_ne!(second.token_id, first.token_id);
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_look_the_same() {
    let hub = TestHub::start().await;
    hub.add_user("thandi", Role::Educator, &["beitbridge"]);
    let wrong = login(&hub, "thandi", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong: serde_json::Value = wrong.json().await.unwrap();
    let unknown = login(&hub, "nobody", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"], codes::UNAUTHORIZED);
    let invalid_name = login(&hub, "Not A Name", PASSWORD).await;
    assert_eq!(invalid_name.status(), StatusCode::UNAUTHORIZED);
    let response = hub
        .request(Method::POST, "/v1/auth/login")
        .body("{\"username\":\"thandi\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_disabled_account_is_locked_out_at_once() {
    let hub = TestHub::start().await;
    let token = hub.account("thandi", Role::Educator, &["beitbridge"]).await;
    assert_eq!(me(&hub, &token).await.status(), StatusCode::OK);
    admin::disable_user(&hub.data_dir(), "thandi").unwrap();
    let response = me(&hub, &token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(response).await, codes::UNAUTHORIZED);
    assert_eq!(login(&hub, "thandi", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let tokens = admin::list_tokens(&hub.data_dir()).unwrap();
    assert!(tokens.iter().all(|token| token.revoked_at.is_some()));
    let users = admin::list_users(&hub.data_dir()).unwrap();
    assert!(users[0].disabled && users[0].disabled_at.is_some());
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let hub = TestHub::start().await;
    let token = hub.account("thandi", Role::Crt, &["beitbridge"]).await;
    let response = hub
        .request(Method::POST, "/v1/auth/logout")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&hub, &token).await.status(), StatusCode::UNAUTHORIZED);
    let response = hub
        .request(Method::POST, "/v1/auth/logout")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me(&hub, &"0".repeat(64)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me(&hub, "garbage").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_lists_and_revokes_tokens() {
    let hub = TestHub::start().await;
    let admin_token = hub.account("admin", Role::Admin, &[]).await;
    let educator = hub.account("thandi", Role::Educator, &["beitbridge"]).await;
    let educator_id = me(&hub, &educator).await.json::<Account>().await.unwrap().token_id;

    let response = hub
        .request(Method::GET, "/v1/admin/tokens")
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Vec<TokenInfo> = response.json().await.unwrap();
    assert_eq!(tokens.len(), 2);
    let listed = tokens.iter().find(|token| token.token_id == educator_id).unwrap();
    assert_eq!(listed.username, "thandi");
    assert_eq!(listed.device_label, "test device");
    assert!(listed.last_used_at.is_some());
    assert_eq!(listed.revoked_at, None);

    let response = hub
        .request(Method::GET, "/v1/admin/tokens")
        .bearer_auth(&educator)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let revoke = |token_id: String, key: String| {
        hub.request(Method::POST, &format!("/v1/admin/tokens/{token_id}/revoke"))
            .bearer_auth(&admin_token)
            .header(IDEMPOTENCY_KEY_HEADER, key)
            .send()
    };
    let revoke_key = key();
    let first = status_and_body(revoke(educator_id.clone(), revoke_key.clone()).await.unwrap()).await;
    assert_eq!(first.0, StatusCode::NO_CONTENT);
    assert_eq!(me(&hub, &educator).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        status_and_body(revoke(educator_id.clone(), revoke_key).await.unwrap()).await,
        first
    );
    assert_eq!(
        revoke("00000000deadbeef".into(), key()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let response = hub
        .request(Method::POST, &format!("/v1/admin/tokens/{educator_id}/revoke"))
        .bearer_auth(&educator)
        .header(IDEMPOTENCY_KEY_HEADER, key())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_revoked_by_the_operator_stops_working() {
    let hub = TestHub::start().await;
    let token = hub.account("thandi", Role::Crt, &["beitbridge"]).await;
    let token_id = me(&hub, &token).await.json::<Account>().await.unwrap().token_id;
    assert!(admin::revoke_token(&hub.data_dir(), &token_id).unwrap());
    assert!(!admin::revoke_token(&hub.data_dir(), "ffffffffffffffff").unwrap());
    assert_eq!(me(&hub, &token).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logins_are_rate_limited_per_address() {
    let hub = TestHub::start_with(|config| config.login_rate_per_minute = 2).await;
    hub.add_user("thandi", Role::Crt, &["beitbridge"]);
    assert_eq!(
        login(&hub, "thandi", "wrong password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&hub, "thandi", "wrong password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let limited = login(&hub, "thandi", PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(error_code(limited).await, codes::RATE_LIMITED);
}

#[tokio::test]
async fn the_operator_adds_users_with_checked_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let password = SecretString::new(PASSWORD.into());
    let sites = |names: &[&str]| names.iter().map(|name| name.to_string()).collect::<Vec<_>>();

    assert!(matches!(admin::list_users(&data), Err(HubError::NoDatabase)));
    admin::add_user(
        &data,
        "thandi",
        &password,
        Role::Crt,
        &sites(&["musina", "beitbridge", "musina"]),
    )
    .unwrap();
    assert!(matches!(
        admin::add_user(&data, "thandi", &password, Role::Crt, &sites(&["musina"])),
        Err(HubError::UserExists(_))
    ));
    for (username, role, site_list, password) in [
        ("Thandi", Role::Crt, vec!["musina"], PASSWORD),
        ("lindiwe", Role::Crt, vec!["Musina"], PASSWORD),
        ("lindiwe", Role::Educator, vec![], PASSWORD),
        ("lindiwe", Role::Crt, vec![], PASSWORD),
        ("lindiwe", Role::Admin, vec!["musina"], PASSWORD),
        ("lindiwe", Role::Crt, vec!["musina"], "short"),
    ] {
        let result = admin::add_user(
            &data,
            username,
            &SecretString::new(password.into()),
            role,
            &sites(&site_list),
        );
        let error = result.expect_err(username);
        assert!(matches!(error, HubError::InvalidInput { .. }), "{error}");
        assert!(!error.to_string().contains(password) || password == PASSWORD);
    }
    let users = admin::list_users(&data).unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username, "thandi");
    assert_eq!(users[0].role, Role::Crt);
    assert_eq!(users[0].sites, ["beitbridge", "musina"]);
    assert!(!users[0].disabled);
    assert!(matches!(
        admin::set_password(&data, "nobody", &password),
        Err(HubError::NoSuchUser(_))
    ));
    assert!(matches!(
        admin::disable_user(&data, "nobody"),
        Err(HubError::NoSuchUser(_))
    ));
}

#[tokio::test]
async fn a_new_password_replaces_the_old_one() {
    let hub = TestHub::start().await;
    hub.add_user("thandi", Role::Crt, &["beitbridge"]);
    admin::set_password(
        &hub.data_dir(),
        "thandi",
        &SecretString::new("a brand new password".into()),
    )
    .unwrap();
    assert_eq!(login(&hub, "thandi", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&hub, "thandi", "a brand new password").await.status(),
        StatusCode::OK
    );
}

/// 429 `rate_limited` with a `Retry-After` of at least 1 s; returns the body.
async fn assert_rate_limited(response: Response) -> serde_json::Value {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], codes::RATE_LIMITED);
    body
}

#[tokio::test]
async fn five_failures_lock_a_username_whatever_the_address() {
    let lock = Duration::from_millis(1500);
    let hub = TestHub::start_with(|config| {
        config.trust_forwarded_for = true;
        config.login_rate_per_minute = 2;
        config.login_lock_base = lock;
    })
    .await;
    hub.add_user("thandi", Role::Crt, &["beitbridge"]);
    hub.add_user("lindiwe", Role::Crt, &["beitbridge"]);
    // Each guess comes from another address, so the per-address limit never bites.
    let mut addresses = (1..).map(|n| format!("198.51.100.{n}"));
    for _ in 0..5 {
        let address = addresses.next().unwrap();
        let response = login_from(&hub, &address, "thandi", "not the password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let locked_at = std::time::Instant::now();
    // Even the right password, from yet another address, is not tried now.
    let address = addresses.next().unwrap();
    let locked = assert_rate_limited(login_from(&hub, &address, "thandi", PASSWORD).await).await;
    // Another account is not affected.
    let address = addresses.next().unwrap();
    assert_eq!(
        login_from(&hub, &address, "lindiwe", PASSWORD).await.status(),
        StatusCode::OK
    );

    // An unknown username locks the same way, with the same answer.
    for _ in 0..5 {
        let address = addresses.next().unwrap();
        let response = login_from(&hub, &address, "nobody", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let address = addresses.next().unwrap();
    let unknown = assert_rate_limited(login_from(&hub, &address, "nobody", PASSWORD).await).await;
    assert_eq!(unknown, locked);

    // After the lock the right password works, and clears the count.
    tokio::time::sleep(lock.saturating_sub(locked_at.elapsed()) + Duration::from_millis(200)).await;
    let address = addresses.next().unwrap();
    assert_eq!(
        login_from(&hub, &address, "thandi", PASSWORD).await.status(),
        StatusCode::OK
    );
    let address = addresses.next().unwrap();
    let response = login_from(&hub, &address, "thandi", "not the password").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_failure_after_the_lock_locks_again_for_longer() {
    let lock = Duration::from_secs(1);
    let hub = TestHub::start_with(|config| config.login_lock_base = lock).await;
    hub.add_user("thandi", Role::Crt, &["beitbridge"]);
    for _ in 0..5 {
        assert_eq!(
            login(&hub, "thandi", "not the password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    tokio::time::sleep(lock + Duration::from_millis(100)).await;
    assert_eq!(
        login(&hub, "thandi", "not the password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Locked for twice as long now: still locked after the first window.
    tokio::time::sleep(lock + Duration::from_millis(100)).await;
    assert_rate_limited(login(&hub, "thandi", PASSWORD).await).await;
    tokio::time::sleep(lock).await;
    assert_eq!(login(&hub, "thandi", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_hub_wide_login_budget_answers_429() {
    let hub = TestHub::start_with(|config| config.login_global_per_minute = 2).await;
    hub.add_user("thandi", Role::Crt, &["beitbridge"]);
    hub.add_user("lindiwe", Role::Crt, &["beitbridge"]);
    assert_eq!(login(&hub, "thandi", PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(
        login(&hub, "nobody", "not the password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let response = login(&hub, "lindiwe", PASSWORD).await;
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert_rate_limited(response).await;
}
