//! `GET /v1/secrets` as Barbican 23 answers it: the caller's project's
//! secrets (or, with `acl_only=true`, those of any project whose read ACL
//! names the caller), filtered and sorted as the query asks
//! ([`ListQuery`]), paged by `limit` and `offset`, with `previous` and
//! `next` links that carry the request's other parameters.

use std::sync::Arc;

use axum::extract::{Extension, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::list_query::{ListQuery, Params};
use super::policy::Action;
use super::secrets::{metadata, Secret};
use super::{Caller, Refusal};
use crate::http::json_response;
use crate::Cloud;

/// `GET /v1/secrets`.
pub(super) async fn list(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, Refusal> {
    caller.enforce(Action::List, None)?;
    let params = Params::parse(query.as_deref().unwrap_or_default());
    let asked = ListQuery::read(&params)?;
    let user = &caller.token.user.id;
    let mut chosen = cloud.secrets.select(|s: &Secret| {
        let listed = if asked.acl_only {
            s.acl.as_ref().is_some_and(|acl| acl.users.contains(user))
        } else {
            s.project_id == caller.project_id
        };
        listed && asked.admits(s)
    });
    asked.order(&mut chosen);
    let (offset, limit) = (asked.offset, asked.limit);
    let total = chosen.len();
    let page: Vec<Value> = chosen
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| metadata(&cloud, s))
        .collect();
    let mut body = Map::new();
    // An empty page has no links.
    let linked = !page.is_empty();
    body.insert("secrets".into(), page.into());
    if linked {
        let carried = params.carried();
        let link = |at: usize| {
            let mut href = format!(
                "{}/v1/secrets?limit={limit}&offset={at}",
                cloud.urls.barbican
            );
            if !carried.is_empty() {
                href.push('&');
                href.push_str(&carried);
            }
            Value::from(href)
        };
        if offset > 0 {
            body.insert("previous".into(), link(offset.saturating_sub(limit)));
        }
        // The offset is the client's: an end past usize has no next page.
        if let Some(end) = offset.checked_add(limit).filter(|end| *end < total) {
            body.insert("next".into(), link(end));
        }
    }
    body.insert("total".into(), json!(total));
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}
