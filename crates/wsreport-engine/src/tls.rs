//! TLS for `wss://` (rustls through tokio-rustls, ring as the crypto provider): the client side
//! for `run` and `replay` (`--ca FILE`, `--insecure`), the server side for `serve` and
//! `fuzzingserver` (`--tls-cert`, `--tls-key`). The engine and the servers are written against
//! any `AsyncRead + AsyncWrite`, so a TLS stream is just another stream to them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pki_types::pem::PemObject;
use pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::{TlsAcceptor, TlsConnector, client, server};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{}: {what}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was looked for and not found, or the parse error.
        what: String,
    },
    /// rustls refused the configuration (a key that does not match the certificate, …).
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// How a `wss://` client checks the server's certificate.
#[derive(Debug, Clone, Default)]
pub struct ClientTlsOptions {
    /// Trust these CA certificates (PEM) instead of the built-in web roots.
    pub ca: Option<PathBuf>,
    /// Check nothing: any certificate is accepted (test servers with self-signed certificates).
    pub insecure: bool,
}

/// A configured client side; cheap to clone.
#[derive(Clone)]
pub struct ClientTls(TlsConnector);

/// The same configuration (not merely an equal one).
impl PartialEq for ClientTls {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(self.0.config(), other.0.config())
    }
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientTls")
    }
}

// ring, not aws-lc-rs: no cmake or NASM in the build; rustls marks it deprecated only for
// lacking post-quantum key exchange, which a test client does not need.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = |what: String| TlsError::Pem {
        path: path.to_path_buf(),
        what,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem(e.to_string()))?;
    if certs.is_empty() {
        return Err(pem("no CERTIFICATE in the file".into()));
    }
    Ok(certs)
}

impl ClientTls {
    /// The client configuration `opts` ask for.
    pub fn new(opts: &ClientTlsOptions) -> Result<ClientTls, TlsError> {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?;
        let config = if opts.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider())))
                .with_no_client_auth()
        } else {
            let mut roots = rustls::RootCertStore::empty();
            match &opts.ca {
                Some(path) => {
                    for c in certs(path)? {
                        roots.add(c)?;
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        Ok(ClientTls(TlsConnector::from(Arc::new(config))))
    }

    /// The TLS handshake over `tcp`, for server name `host`.
    pub async fn connect(
        &self,
        host: &str,
        tcp: TcpStream,
    ) -> std::io::Result<client::TlsStream<TcpStream>> {
        let name = ServerName::try_from(host.trim_matches(['[', ']']).to_string())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        self.0.connect(name, tcp).await
    }
}

/// A configured server side; cheap to clone.
#[derive(Clone)]
pub struct ServerTls(TlsAcceptor);

/// The same configuration (not merely an equal one).
impl PartialEq for ServerTls {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(self.0.config(), other.0.config())
    }
}

impl Eq for ServerTls {}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerTls")
    }
}

impl ServerTls {
    /// A server with the certificate chain in `cert` and the private key in `key` (PEM).
    pub fn new(cert: &Path, key: &Path) -> Result<ServerTls, TlsError> {
        let chain = certs(cert)?;
        let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Pem {
            path: key.to_path_buf(),
            what: format!("no usable PRIVATE KEY ({e})"),
        })?;
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(ServerTls(TlsAcceptor::from(Arc::new(config))))
    }

    /// The TLS handshake of an accepted connection.
    pub async fn accept(&self, tcp: TcpStream) -> std::io::Result<server::TlsStream<TcpStream>> {
        self.0.accept(tcp).await
    }
}

/// `--insecure`: accepts every certificate, still checking the handshake's signatures.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
