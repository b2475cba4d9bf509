//! Extractors: JSON and query bodies whose rejections are our JSON errors, and
//! the logged-in user (session cookie + CSRF check on unsafe methods).

use super::{ApiError, AppState};
use crate::sessions::{self, COOKIE, Credentials};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::Method;
use axum::http::request::Parts;
use domain::{Role, UserId};

/// `Json<T>` with JSON error bodies.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Query<T>` with JSON error bodies.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path<T>` whose rejection is a 404.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The user behind the request's session cookie.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The account.
    pub id: UserId,
    /// Its role now.
    pub role: Role,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// The session token (to keep this session when others are ended).
    pub token: secrecy::SecretString,
}

impl CurrentUser {
    /// Whose users the caller manages (admins: all; managers: their groups'
    /// learners), or 403 when it manages nobody.
    pub fn scope(&self) -> Result<crate::people::Scope, ApiError> {
        crate::people::Scope::of(self.id, self.role).ok_or(ApiError::Forbidden)
    }

    /// Fails with 403 unless `allowed(role)`.
    pub fn require(&self, allowed: fn(Role) -> bool) -> Result<(), ApiError> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// The value of cookie `name` in the request headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<AppState> for Credentials {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let token = cookie(&parts.headers, COOKIE).ok_or(ApiError::Unauthenticated)?;
        // (Handlers under the nested /api/v1 router see the path without it.)
        let path = parts.uri.path();
        let path = path.strip_prefix("/api/v1").unwrap_or(path);
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let csrf_sent = unsafe_method
            .then(|| {
                parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
                    .or_else(|| {
                        // navigator.sendBeacon cannot set headers: heartbeats
                        // alone may carry the token in the query string.
                        if path.ends_with("/heartbeat") {
                            query_param(parts, "csrf")
                        } else {
                            None
                        }
                    })
            })
            .flatten();
        Ok(Credentials {
            token,
            csrf_sent,
            unsafe_method,
            password_change_route: matches!(path, "/session" | "/session/password"),
        })
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let credentials = Credentials::from_request_parts(parts, state).await?;
        let now = jiff::Timestamp::now();
        let life = state.settings.lifetimes();
        let lookup = credentials.token.clone();
        let found = state
            .db
            .call(move |c| Ok(sessions::resolve(c, &lookup, now, life)?))
            .await?;
        let user = credentials.admit(found)?;
        Ok(CurrentUser {
            id: user.user_id,
            role: user.role,
            csrf_token: user.csrf_token,
            token: credentials.token.into(),
        })
    }
}

fn query_param(parts: &Parts, name: &str) -> Option<String> {
    parts
        .uri
        .query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The client's address: the peer, or behind a trusted proxy the address it
/// forwarded (`network.trusted_proxies`). `None` when the peer is unknown.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(&parts.extensions, &parts.headers, state)))
    }
}

/// The client's address: the peer, or the address a trusted proxy forwarded.
pub fn client_ip(
    extensions: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
    state: &AppState,
) -> Option<std::net::IpAddr> {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    peer.map(|p| state.network.client_ip(p, forwarded_for(headers)))
}

/// Every line of `X-Forwarded-For`, in the order received (a proxy may add
/// a line of its own after the client's); a line that is not text counts
/// as garbled, so nothing left of it is believed.
fn forwarded_for(
    headers: &axum::http::HeaderMap,
) -> impl DoubleEndedIterator<Item = &str> + use<'_> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
}

/// The viewer's site, from the client address. Without a known peer
/// address: the default site.
#[derive(Debug, Clone)]
pub struct ClientSite(pub String);

impl FromRequestParts<AppState> for ClientSite {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientAddr(client) = ClientAddr::from_request_parts(parts, state).await?;
        let network = &state.network;
        Ok(Self(client.map_or_else(
            || network.default_site.clone(),
            |ip| network.site_of(ip).to_owned(),
        )))
    }
}

/// `?page=&per_page=` of a list read whole — a few hundred items at most:
/// categories, courses, groups, notices, assignments, backups, the trash.
/// (Users, the audit log and the history page in SQL.)
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    page: Option<u32>,
    per_page: Option<u32>,
}

impl Paging {
    /// Paging as the client asked.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Self {
        Self { page, per_page }
    }

    /// One page of `items` as API.md's lists are:
    /// `{"items","total","page","per_page"}`. Unless the client asks for
    /// fewer, a page holds 500, so that a list read whole comes whole.
    pub fn of<T: serde::Serialize>(self, items: &[T]) -> serde_json::Value {
        let per_page = self.per_page.unwrap_or(500).clamp(1, 500);
        let page = self.page.unwrap_or(1).max(1);
        let start = (page as usize - 1)
            .saturating_mul(per_page as usize)
            .min(items.len());
        let end = start.saturating_add(per_page as usize).min(items.len());
        serde_json::json!({
            "items": &items[start..end], "total": items.len(), "page": page, "per_page": per_page,
        })
    }
}

/// A query's calendar day, as `YYYY-MM-DD` and nothing else: jiff alone also
/// reads `20261101`, and a time with an offset whose time it drops. For
/// `#[serde(default, deserialize_with = "day")]` on an `Option<Date>`.
pub fn day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<jiff::civil::Date>, D::Error> {
    let Some(text) = <Option<String> as serde::Deserialize>::deserialize(d)? else {
        return Ok(None);
    };
    let shaped = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    shaped
        .then(|| text.parse().ok())
        .flatten()
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "日付は YYYY-MM-DD の形で指定してください: {text} (a date must be YYYY-MM-DD)"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::{Paging, forwarded_for};

    #[test]
    fn a_query_day_is_yyyy_mm_dd_and_nothing_else() {
        #[derive(serde::Deserialize)]
        struct Q {
            #[serde(default, deserialize_with = "super::day")]
            from: Option<jiff::civil::Date>,
        }
        let read =
            |json: &str| serde_json::from_str::<Q>(json).map(|q| q.from.map(|d| d.to_string()));
        assert_eq!(
            read(r#"{"from":"2026-11-01"}"#).unwrap().as_deref(),
            Some("2026-11-01")
        );
        assert_eq!(read("{}").unwrap(), None);
        for bad in [
            "20261101",
            "2026-11-01T00:00:00+09:00",
            "2026-13-01",
            "",
            "2026-1-01x",
        ] {
            assert!(read(&format!(r#"{{"from":"{bad}"}}"#)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_forwarded_for_line_of_the_clients_own_is_not_believed() {
        let network = domain::site::Network {
            trusted_proxies: vec!["192.0.2.10".parse().unwrap()],
            ..Default::default()
        };
        let mut headers = axum::http::HeaderMap::new();
        // The client's forged line first, then the line its proxy added.
        headers.append("x-forwarded-for", "10.2.0.1".parse().unwrap());
        headers.append("x-forwarded-for", "10.1.0.5".parse().unwrap());
        let peer = "192.0.2.10".parse().unwrap();
        assert_eq!(
            network.client_ip(peer, forwarded_for(&headers)),
            "10.1.0.5".parse::<std::net::IpAddr>().unwrap()
        );
        // A line that is not text: nothing left of it is believed.
        headers.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_bytes(b"\xff").unwrap(),
        );
        assert_eq!(network.client_ip(peer, forwarded_for(&headers)), peer);
    }

    #[test]
    fn a_list_read_whole_is_cut_into_the_page_asked_for() {
        let items: Vec<u32> = (1..=7).collect();
        let page = |p, n| Paging::new(p, n).of(&items);
        assert_eq!(
            page(None, None),
            serde_json::json!({"items": items, "total": 7, "page": 1, "per_page": 500})
        );
        assert_eq!(
            page(Some(2), Some(3))["items"],
            serde_json::json!([4, 5, 6])
        );
        assert_eq!(page(Some(3), Some(3))["items"], serde_json::json!([7]));
        assert_eq!(page(Some(9), Some(3))["items"], serde_json::json!([]));
        assert_eq!(page(Some(0), Some(0))["items"], serde_json::json!([1]));
        assert_eq!(page(Some(1), Some(9999))["per_page"], 500);
        assert_eq!(page(Some(u32::MAX), Some(500))["total"], 7);
    }
}
