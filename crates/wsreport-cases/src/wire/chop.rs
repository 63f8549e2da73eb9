//! Chopped writes: the testsuite's `sendData(data, sync, chopsize)`.
//!
//! A case such as 1.1.8 ("sent out data in chops of 997 octets") writes a frame a few octets
//! at a time; the sizes of those writes are what a report's `txOctetStats` counts.

use std::collections::BTreeMap;

use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Writes `bytes` to `stream` in writes of `chop` octets (the last one shorter), flushing
/// after each, and returns the size of every write in order, for a `txOctetStats` histogram
/// (see [`histogram`]) or `TO` wire-log rows.
///
/// `chop` of `None` or `Some(0)` writes everything at once, as the testsuite treats a
/// missing or zero chopsize. With `sync` (or any chop), each write is flushed and the task
/// yields to the runtime before the next one, so each write has a chance to reach the peer
/// as its own read, which is what the testsuite's `sync=True` asks of its reactor. Empty
/// `bytes` write nothing and return no sizes.
pub async fn write_chopped<W>(
    stream: &mut W,
    bytes: &[u8],
    chop: Option<usize>,
    sync: bool,
) -> std::io::Result<Vec<usize>>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    let chop = chop.filter(|&n| n > 0);
    let size = chop.unwrap_or(bytes.len()).max(1);
    let separate = sync || chop.is_some();
    let mut sizes = Vec::with_capacity(bytes.len().div_ceil(size));
    for piece in bytes.chunks(size) {
        stream.write_all(piece).await?;
        stream.flush().await?;
        sizes.push(piece.len());
        if separate {
            tokio::task::yield_now().await;
        }
    }
    Ok(sizes)
}

/// Counts sizes: size -> how many times it occurs, the shape of `rxOctetStats`,
/// `txOctetStats` (keyed by read/write size) and, given opcodes, `rxFrameStats`.
pub fn histogram<K: Ord>(items: impl IntoIterator<Item = K>) -> BTreeMap<K, u64> {
    let mut map = BTreeMap::new();
    for item in items {
        *map.entry(item).or_insert(0) += 1;
    }
    map
}
