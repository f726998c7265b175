//! The Crisis Response Team coordinator's side of the report inbox: list the reports of the
//! account's sites, fetch one (still sealed: opening it needs the team's private key, which never
//! reaches the hub), acknowledge it so the phone can see it arrived and the hub can delete the
//! ciphertext after the documented delay.

use reqwest::Method;

use super::client::{Auth, HubClient, PreparedRequest};
use super::wire::{self, ReportState, SecretString, Uuid};
use super::{send_with_retries, Backoff};
use crate::error::{Error, Result};

/// Which reports to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxFilter {
    Unacknowledged,
    All,
}

/// One page of the inbox (`after`: the `next` of the previous page).
pub async fn list(
    client: &HubClient,
    token: &SecretString,
    site: Option<&str>,
    filter: InboxFilter,
    after: Option<&str>,
    limit: u32,
) -> Result<wire::InboxPage> {
    if let Some(site) = site {
        if !wire::is_valid_site(site) {
            return Err(Error::invalid("site", "lower-case letters, digits and hyphens"));
        }
    }
    let mut query = vec![
        format!(
            "state={}",
            match filter {
                InboxFilter::Unacknowledged => "unacknowledged",
                InboxFilter::All => "all",
            }
        ),
        format!("limit={}", limit.clamp(1, wire::MAX_INBOX_PAGE)),
    ];
    if let Some(site) = site {
        query.push(format!("site={site}"));
    }
    if let Some(after) = after {
        if !after
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        {
            return Err(Error::invalid("after", "not a cursor from an earlier page"));
        }
        query.push(format!("after={after}"));
    }
    client
        .get(
            &format!("v1/crt/reports?{}", query.join("&")),
            &Auth::Bearer(token.clone()),
        )
        .await?
        .into_json()
}

/// One sealed report.
pub async fn fetch(client: &HubClient, token: &SecretString, report_id: Uuid) -> Result<wire::SealedReport> {
    client
        .get(
            &format!("v1/crt/reports/{}", report_id.hyphenated()),
            &Auth::Bearer(token.clone()),
        )
        .await?
        .into_json()
}

/// Acknowledges a report (idempotent: a retry or a second acknowledgement returns the first).
pub async fn acknowledge(
    client: &HubClient,
    token: &SecretString,
    report_id: Uuid,
    backoff: Backoff,
    attempts: u32,
) -> Result<wire::Acknowledgement> {
    let request = PreparedRequest {
        method: Method::POST,
        path: format!("v1/crt/reports/{}/ack", report_id.hyphenated()),
        idempotency_key: Some(Uuid::new_v4()),
        content_type: "application/json",
        body: b"{}".to_vec(),
    };
    send_with_retries(client, &request, &Auth::Bearer(token.clone()), backoff, attempts)
        .await?
        .into_json()
}

/// Whether the hub has a report and whether a coordinator acknowledged it (anyone may ask, by id).
pub async fn status(client: &HubClient, report_id: Uuid) -> Result<Option<ReportState>> {
    client.report_status(report_id).await
}
