//! The Crisis Response Team's inbox: list, fetch and acknowledge the sealed reports of the
//! account's own sites. Another site's report answers 404, so its existence is not revealed.

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use corridor_core::sync::wire::{codes, InboxPage, Role, Uuid, MAX_INBOX_PAGE};
use serde::Deserialize;

use super::{authenticate, bodiless_write, json_response, path_uuid, run_write, AppState};
use crate::error::ApiError;
use crate::store::{InboxQuery, SealedLookup, WriteOp};

const ACK_ROUTE: &str = "POST /v1/crt/reports/{report_id}/ack";
const DEFAULT_PAGE: u32 = 100;

#[derive(Deserialize)]
pub(super) struct InboxParams {
    site: Option<String>,
    state: Option<String>,
    after: Option<String>,
    limit: Option<String>,
}

/// The cursor is `received_at.report_id` in base64url; clients pass it back unchanged.
fn encode_cursor(received_at: i64, report_id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{received_at}.{report_id}"))
}

fn decode_cursor(text: &str) -> Option<(i64, Uuid)> {
    if text.len() > 128 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (time, id) = text.split_once('.')?;
    Some((time.parse().ok()?, Uuid::parse_str(id).ok()?))
}

pub(super) async fn inbox(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<InboxParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require_role(Role::Crt)?;
    let Query(params) = query.map_err(|_| ApiError::bad_request("the query string cannot be read"))?;
    let sites = match params.site {
        Some(site) if caller.has_site(&site) => vec![site],
        Some(_) => return Err(ApiError::forbidden("site: not one of this account's sites")),
        None => caller.sites.clone(),
    };
    let include_acknowledged = match params.state.as_deref() {
        None | Some("unacknowledged") => false,
        Some("all") => true,
        Some(_) => return Err(ApiError::bad_request("state: must be unacknowledged or all")),
    };
    let limit = match params.limit.as_deref() {
        None => DEFAULT_PAGE,
        Some(text) => match text.parse::<u32>() {
            Ok(limit) if (1..=MAX_INBOX_PAGE).contains(&limit) => limit,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "limit: must be a number from 1 to {MAX_INBOX_PAGE}"
                )))
            }
        },
    };
    let after = match params.after.as_deref() {
        None => None,
        Some(text) => {
            Some(decode_cursor(text).ok_or_else(|| ApiError::bad_request("after: not a cursor from this hub"))?)
        }
    };
    let query = InboxQuery {
        sites,
        include_acknowledged,
        after,
        limit,
    };
    let mut reports = super::blocking(&state, move |store| store.inbox(&query)).await?;
    let next = if reports.len() > limit as usize {
        reports.truncate(limit as usize);
        reports
            .last()
            .map(|last| encode_cursor(last.received_at, last.report_id))
    } else {
        None
    };
    Ok(json_response(StatusCode::OK, &InboxPage { reports, next }))
}

pub(super) async fn sealed_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require_role(Role::Crt)?;
    let report_id = path_uuid(path)?;
    let sites = caller.sites;
    match super::blocking(&state, move |store| store.sealed_report(report_id, &sites)).await? {
        SealedLookup::Found(report) => Ok(json_response(StatusCode::OK, &report)),
        SealedLookup::Gone => Err(ApiError::new(
            StatusCode::GONE,
            codes::GONE,
            "this report was acknowledged and its content has been deleted from the hub",
        )),
        SealedLookup::NotFound => Err(ApiError::not_found()),
    }
}

pub(super) async fn acknowledge(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require_role(Role::Crt)?;
    let report_id = path_uuid(path)?;
    let (_in_flight, record) =
        bodiless_write(&state, caller.scope(), &headers, body, ACK_ROUTE, report_id.as_bytes()).await?;
    let op = WriteOp::AckReport {
        report_id,
        sites: caller.sites,
        user_id: caller.user_id,
        purge_after_secs: state.retention.purge_after_secs,
    };
    run_write(&state, record, op).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::from_u128(42);
        assert_eq!(
            decode_cursor(&encode_cursor(1_700_000_000, id)),
            Some((1_700_000_000, id))
        );
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("12")), None);
    }
}
