"""The course's certificates for a Dask cluster with mutual TLS (``python -m grading certificates DIR``): a
CA of the course's own, whose key is not kept, and a certificate with its key for the scheduler, the workers
and the instructor's client (grading/cluster.py uses them)."""

import datetime
import ipaddress
import os
import tempfile
import uuid
from pathlib import Path

CA, KEY_SUFFIX = "ca.pem", ".key"
ROLES = ("scheduler", "worker", "client")       # DIR/ROLE.pem and DIR/ROLE.key


def _write_atomic(path, data, mode):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")   # created 0600
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def make_certificates(folder, hosts=(), days=365, force=False):
    """A course CA and a certificate with its key for the scheduler, the workers and the instructor's
    client, in ``folder``: ca.pem, scheduler.pem/.key, worker.pem/.key, client.pem/.key (keys 0600, every
    file written atomically).  ``hosts`` (names or IP addresses) go into the scheduler's and workers'
    certificates as subject alternative names (Dask itself checks the CA's signature, not names).  The CA's
    private key is not kept: nobody can sign another certificate for this cluster; run this again (into a
    new folder, or with ``force``) to renew or replace them all.  Returns {file name: Path}."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(folder)
    days = int(days)
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    names = [CA] + [role + ext for role in ROLES for ext in (".pem", KEY_SUFFIX)]
    existing = [name for name in names if (folder / name).exists()]
    if existing and not force:
        raise FileExistsError(f"{folder} already has {', '.join(existing)} (give --force to replace them all; "
                              "a running cluster then needs the new files)")
    alt_names = []
    for host in dict.fromkeys(["localhost", "127.0.0.1", *hosts]):
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=days)
    tag = uuid.uuid4().hex[:8]

    def name(common):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nn-physics-course grading"),
                          x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name(f"course CA {tag}")
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=True, crl_sign=True, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = {CA: folder / CA}
    pairs = {}
    for role in ROLES:
        key = ec.generate_private_key(ec.SECP256R1())
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if role == "client" else \
            [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]   # workers connect too
        builder = (x509.CertificateBuilder().subject_name(name(f"{role} {tag}")).issuer_name(ca_name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False))
        if role != "client":
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        key_bytes = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        pairs[role] = (cert.public_bytes(pem), key_bytes)
    # keys first, the CA last: a folder with ca.pem is complete
    for role, (cert_bytes, key_bytes) in pairs.items():
        _write_atomic(folder / (role + KEY_SUFFIX), key_bytes, 0o600)
        _write_atomic(folder / (role + ".pem"), cert_bytes, 0o644)
        written[role + KEY_SUFFIX], written[role + ".pem"] = folder / (role + KEY_SUFFIX), folder / (role + ".pem")
    _write_atomic(folder / CA, ca_cert.public_bytes(pem), 0o644)
    return written
