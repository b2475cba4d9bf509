//! A standalone HTTP/1.1 server for `manabi serve --role origin`, on the
//! process's multi-threaded runtime. (One single-threaded runtime per core
//! sharing the listening socket, as nginx's workers do, was measured slower
//! here: 0.81–0.88× nginx at 256 connections against 0.91–1.08×; see
//! docs/benchmarks.md.)

use crate::Origin;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio::net::TcpListener;

/// Serves `origin` on `listener` until `shutdown` resolves; connections in
/// flight are given the chance to finish.
pub async fn run(listener: TcpListener, origin: Origin, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                // As nginx does on keep-alive connections: the last small
                // piece of a response must not wait for the previous one's ACK.
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(%peer, error = %e, "TCP_NODELAY not set");
                }
                let origin = origin.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| {
                        let origin = origin.clone();
                        async move {
                            Ok::<_, std::convert::Infallible>(access_logged(&origin, peer, req).await)
                        }
                    });
                    if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
        }
    }
    let deadline = tokio::time::sleep(std::time::Duration::from_secs(10));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => break,
            next = connections.join_next() => if next.is_none() { break },
        }
    }
}

/// Answers `req` and writes its access log line (target `manabi::access`,
/// level info): client, method, path without its grant token, status and
/// time taken. Nothing is formatted when the level is off.
async fn access_logged<B>(
    origin: &Origin,
    peer: std::net::SocketAddr,
    req: hyper::Request<B>,
) -> crate::serve::Resp {
    if !tracing::enabled!(target: "manabi::access", tracing::Level::INFO) {
        return origin.handle(req).await;
    }
    let started = std::time::Instant::now();
    let (method, path) = (
        req.method().clone(),
        crate::router::loggable_path(req.uri().path()),
    );
    let resp = origin.handle(req).await;
    tracing::info!(
        target: "manabi::access",
        client = %peer.ip(),
        %method,
        path,
        status = resp.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    resp
}
