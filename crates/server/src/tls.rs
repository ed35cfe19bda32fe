//! HTTPS: the certificate and key from `--tls-cert` / `--tls-key` (PEM), served with rustls on
//! the aws-lc-rs provider (the one the AWS SDK already brings), and reloaded on SIGHUP.
//!
//! Owns: reading and checking the PEM files (a chain with the server's certificate first, a
//! private key that matches it), the TLS server configuration (TLS 1.2 and 1.3, ALPN
//! `http/1.1`), and the certificate every new handshake is given. A reload swaps that
//! certificate for new handshakes only: connections already open keep their session. A reload
//! that fails (a missing file, a bad PEM, a key that does not match) changes nothing.

use std::{
    path::Path,
    sync::{Arc, PoisonError, RwLock},
};

use anyhow::Context as _;
use rustls::{
    ServerConfig,
    crypto::CryptoProvider,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Reads the chain and key and checks that they belong together.
fn load(files: &TlsFiles, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let cert = &files.cert;
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| pem_error(cert, "certificate", e))?;
    if chain.is_empty() {
        anyhow::bail!(
            "--tls-cert {}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)",
            cert.display()
        );
    }
    let key = &files.key;
    let private =
        PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error(key, "private key", e))?;
    CertifiedKey::from_der(chain, private, provider).map_err(|e| {
        anyhow::anyhow!(
            "--tls-cert {} and --tls-key {}: {e} (is the key the certificate's, and the server's certificate first in the chain?)",
            cert.display(),
            key.display()
        )
    })
}

fn pem_error(path: &Path, what: &str, e: rustls::pki_types::pem::Error) -> anyhow::Error {
    use rustls::pki_types::pem::Error;
    let flag = if what == "certificate" {
        "--tls-cert"
    } else {
        "--tls-key"
    };
    match e {
        Error::Io(e) => anyhow::anyhow!("{flag} {}: cannot read it: {e}", path.display()),
        Error::NoItemsFound => anyhow::anyhow!(
            "{flag} {}: no PEM {what} in it (PKCS#8, PKCS#1 or SEC1 for a key)",
            path.display()
        ),
        e => anyhow::anyhow!("{flag} {}: not a valid PEM {what}: {e}", path.display()),
    }
}

/// The certificate new handshakes get; replaced by [`Tls::reload`].
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.0
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

/// HTTPS for the accept loop: an acceptor whose certificate can be reloaded.
#[derive(Clone)]
pub struct Tls {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: Arc<Current>,
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("files", &self.files).finish()
    }
}

impl Tls {
    /// Reads the files; an error says which file and what is wrong with it.
    pub fn load(files: &TlsFiles) -> anyhow::Result<Self> {
        let provider = provider();
        let key = load(files, &provider)?;
        let current = Arc::new(Current(RwLock::new(Arc::new(key))));
        let mut config = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            files: files.clone(),
            provider,
            current,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// Reads the files again and serves the new certificate to new connections; on error the
    /// old one stays.
    pub fn reload(&self) -> anyhow::Result<()> {
        let key = load(&self.files, &self.provider)?;
        *self
            .current
            .0
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(key);
        Ok(())
    }

    /// The acceptor the accept loop hands each new connection to.
    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, cert: &str, key: &str) -> TlsFiles {
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, cert).expect("write");
        std::fs::write(&files.key, key).expect("write");
        files
    }

    fn pair(name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec![name.to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        (cert.pem(), key.serialize_pem())
    }

    fn error(files: &TlsFiles) -> String {
        format!("{:#}", Tls::load(files).expect_err("refused"))
    }

    #[test]
    fn bad_files_are_refused_with_what_is_wrong() {
        let dir = tempfile::tempdir().expect("dir");
        let (cert, key) = pair("localhost");
        let (_, other_key) = pair("localhost");
        assert!(Tls::load(&files(dir.path(), &cert, &key)).is_ok());

        let e = error(&files(dir.path(), "not a certificate\n", &key));
        assert!(
            e.contains("--tls-cert") && e.contains("no PEM certificate"),
            "{e}"
        );
        let e = error(&files(dir.path(), &key, &key));
        assert!(
            e.contains("no PEM certificate"),
            "a key is no certificate: {e}"
        );
        let e = error(&files(dir.path(), &cert, &cert));
        assert!(
            e.contains("--tls-key") && e.contains("no PEM private key"),
            "{e}"
        );
        let e = error(&files(
            dir.path(),
            &cert,
            "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
        ));
        assert!(
            e.contains("--tls-key") && e.contains("not a valid PEM"),
            "{e}"
        );
        let e = error(&files(dir.path(), &cert, &other_key));
        assert!(e.contains("is the key the certificate's"), "{e}");
        let e = error(&TlsFiles {
            cert: dir.path().join("missing.pem"),
            key: dir.path().join("key.pem"),
        });
        assert!(
            e.contains("missing.pem") && e.contains("cannot read it"),
            "{e}"
        );
    }

    #[test]
    fn a_failed_reload_keeps_the_certificate() {
        let dir = tempfile::tempdir().expect("dir");
        let (cert, key) = pair("one.test");
        let f = files(dir.path(), &cert, &key);
        let tls = Tls::load(&f).expect("loads");
        let served = |tls: &Tls| {
            tls.current
                .0
                .read()
                .expect("lock")
                .end_entity_cert()
                .expect("cert")
                .to_vec()
        };
        let first = served(&tls);
        std::fs::write(&f.cert, "garbage").expect("write");
        assert!(tls.reload().is_err());
        assert_eq!(served(&tls), first, "the old certificate stays");
        let (cert2, key2) = pair("two.test");
        files(dir.path(), &cert2, &key2);
        tls.reload().expect("reloads");
        assert_ne!(served(&tls), first, "the new certificate is served");
    }
}

/// What a TLS connection negotiated, for the audit trail's `tlsDetails`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsSession {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: &'static str,
    /// The cipher suite as CloudTrail names it: IANA's name for TLS 1.3
    /// (`TLS_AES_128_GCM_SHA256`), OpenSSL's for TLS 1.2 (`ECDHE-RSA-AES128-GCM-SHA256`).
    pub cipher_suite: &'static str,
}

impl TlsSession {
    /// The session of an established connection.
    pub fn of(connection: &rustls::ServerConnection) -> Self {
        use rustls::{CipherSuite as C, ProtocolVersion as V};
        let version = match connection.protocol_version() {
            Some(V::TLSv1_3) => "TLSv1.3",
            Some(V::TLSv1_2) => "TLSv1.2",
            _ => "unknown",
        };
        let cipher_suite = match connection.negotiated_cipher_suite().map(|s| s.suite()) {
            Some(C::TLS13_AES_128_GCM_SHA256) => "TLS_AES_128_GCM_SHA256",
            Some(C::TLS13_AES_256_GCM_SHA384) => "TLS_AES_256_GCM_SHA384",
            Some(C::TLS13_CHACHA20_POLY1305_SHA256) => "TLS_CHACHA20_POLY1305_SHA256",
            Some(C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) => "ECDHE-RSA-AES128-GCM-SHA256",
            Some(C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) => "ECDHE-RSA-AES256-GCM-SHA384",
            Some(C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256) => "ECDHE-RSA-CHACHA20-POLY1305",
            Some(C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) => "ECDHE-ECDSA-AES128-GCM-SHA256",
            Some(C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384) => "ECDHE-ECDSA-AES256-GCM-SHA384",
            Some(C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256) => {
                "ECDHE-ECDSA-CHACHA20-POLY1305"
            }
            Some(other) => other.as_str().unwrap_or("unknown"),
            None => "unknown",
        };
        TlsSession {
            version,
            cipher_suite,
        }
    }
}
