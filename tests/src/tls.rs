//! A TLS front on loopback (rustls, ring) before a plain-HTTP hub, as a programme would run the
//! hub behind its TLS proxy; with a CA and a `localhost` certificate generated for the test.

use std::net::SocketAddr;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

/// A test CA and a server certificate for `localhost` that it signed.
pub struct TestPki {
    pub ca_der: Vec<u8>,
    pub server_der: Vec<u8>,
    server_key_der: Vec<u8>,
    /// Certificates the server sends after its own (whether or not they belong to its chain).
    pub extra_chain_der: Vec<Vec<u8>>,
}

impl TestPki {
    pub fn generate() -> TestPki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key")).expect("CA");
        let server_key = KeyPair::generate().expect("server key");
        let server = CertificateParams::new(vec!["localhost".to_string()])
            .expect("server parameters")
            .signed_by(&server_key, &ca)
            .expect("server certificate");
        TestPki {
            ca_der: ca.der().to_vec(),
            server_der: server.der().to_vec(),
            server_key_der: server_key.serialize_der(),
            extra_chain_der: Vec::new(),
        }
    }
}

pub struct TlsFront {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TlsFront {
    /// Terminates TLS with `pki`'s server certificate and passes the bytes on to `upstream`.
    pub async fn start(upstream: SocketAddr, pki: &TestPki) -> TlsFront {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                std::iter::once(&pki.server_der)
                    .chain(&pki.extra_chain_der)
                    .map(|der| CertificateDer::from(der.clone()))
                    .collect(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone())),
            )
            .expect("server certificate");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the TLS front");
        let addr = listener.local_addr().expect("front address");
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(client).await else {
                        return;
                    };
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                });
            }
        });
        TlsFront { addr, task }
    }

    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }
}
