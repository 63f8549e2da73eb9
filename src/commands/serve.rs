//! `wsreport serve`: the reference echo server, until interrupted.

use std::net::SocketAddr;

use anyhow::Context;

use super::exit::ExitStatus;
use super::note;

/// Serves until the process is stopped; an address that cannot be bound is an error.
pub(crate) fn run(
    rt: &tokio::runtime::Runtime,
    listen: SocketAddr,
    max_message_size: usize,
    deflate: bool,
    deflate_level: u32,
    tls: &crate::cli::ServerTlsArgs,
) -> anyhow::Result<ExitStatus> {
    let tls = tls.load()?;
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    let opts = wsreport::serve::ServeOptions {
        max_message_size: (max_message_size > 0).then_some(max_message_size),
        deflate,
        deflate_level,
        tls,
    };
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        note(&format!("serving on {scheme}://{}", listener.local_addr()?));
        wsreport::serve::serve(listener, opts).await
    })
    .with_context(|| format!("cannot serve on {listen}"))?;
    Ok(ExitStatus::Success)
}
