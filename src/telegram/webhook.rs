//! The webhook's HTTP server. Only Telegram (through the reverse proxy) should post here, but
//! anyone can open a connection: so a connection has 10 seconds to send a request's headers
//! (and as long while idle between requests), at most [`MAX_CONNECTIONS`] are served at once
//! (more wait in the listen backlog rather than exhausting file handles), and none lasts longer
//! than [`CONNECTION_LIFETIME`]. Telegram itself opens at most 40 and sends small requests.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 256;
/// Time to send a request's headers, and to wait idle for the next request.
pub const HEADER_READ: Duration = Duration::from_secs(10);
/// Longest a connection is kept, whatever it does: a slow body cannot hold one for good.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);

/// Serves `router` on `listener` until `stopped` completes.
pub async fn serve(listener: TcpListener, router: axum::Router, stopped: impl Future<Output = ()>) {
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(stopped);
    loop {
        let place = tokio::select! {
            place = places.clone().acquire_owned() => match place {
                Ok(place) => place,
                Err(_) => return,
            },
            () = &mut stopped => return,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file handles, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "webhook: could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stopped => return,
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let _place = place;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ)
                .serve_connection(TokioIo::new(stream), service);
            match tokio::time::timeout(CONNECTION_LIFETIME, connection).await {
                Ok(Ok(())) | Err(_) => {}
                Ok(Err(e)) => tracing::debug!(error = %e, "webhook: a connection ended badly"),
            }
        });
    }
}
