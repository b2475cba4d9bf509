//! A standalone HTTP/1.1 server for `manabi serve --role origin`.

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
                let origin = origin.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| {
                        let origin = origin.clone();
                        async move { Ok::<_, std::convert::Infallible>(origin.handle(req).await) }
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
