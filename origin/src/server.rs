//! A standalone HTTP/1.1 server for `manabi serve --role origin`.
//!
//! [`run_threads`] serves as nginx's worker processes do: one single-threaded
//! runtime per core, all accepting from the same listening socket, each
//! connection living on the thread that accepted it — no work stealing and
//! no wake-ups across threads on the path of a segment.

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

/// Serves `origin` on `threads` single-threaded runtimes sharing `listener`
/// until `stop` turns true; returns when every thread has finished.
pub async fn run_threads(
    listener: std::net::TcpListener,
    origin: Origin,
    threads: usize,
    stop: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut handles = Vec::new();
    for n in 0..threads.max(1) {
        let listener = listener.try_clone()?;
        let origin = origin.clone();
        let mut stop = stop.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        handles.push(
            std::thread::Builder::new()
                .name(format!("origin-{n}"))
                .spawn(move || {
                    runtime.block_on(async move {
                        match TcpListener::from_std(listener) {
                            Ok(listener) => {
                                let stopped = async move {
                                    let _ = stop.wait_for(|s| *s).await;
                                };
                                run(listener, origin, stopped).await;
                            }
                            Err(e) => tracing::error!(error = %e, "origin thread cannot listen"),
                        }
                    });
                })?,
        );
    }
    // Joining blocks: wait on the blocking pool, not on a runtime thread.
    let joined = tokio::task::spawn_blocking(move || {
        for handle in handles {
            if handle.join().is_err() {
                tracing::error!("an origin thread panicked");
            }
        }
    })
    .await;
    joined.map_err(std::io::Error::other)
}
