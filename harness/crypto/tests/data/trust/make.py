"""Made these certificates (python3 make.py, in the cursive venv, with
pyca/cryptography 50.0.2): names that differ only in string type or in case,
and a PSS-signed child. Their keys are not kept. cursive 0.3.1 answered:
string-type trusted; case and pss-signed "Could not locate the signing
certificate for the base certificate" (adapters/cursive/trust.py)."""
import datetime, json, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.x509.name import _ASN1Type
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding
now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
def name(cn, t=_ASN1Type.UTF8String):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn, _type=t)])
def cert(subject, issuer, pub, key, ca, pss=False):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(x509.random_serial_number()).not_valid_before(now)
         .not_valid_after(now+datetime.timedelta(days=3650)))
    b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
    b = b.add_extension(x509.KeyUsage(True,False,False,False,False,ca,False,False,False), True)
    if pss:
        return b.sign(key, hashes.SHA256(), rsa_padding=padding.PSS(padding.MGF1(hashes.SHA256()), 32))
    return b.sign(key, hashes.SHA256())
rk = rsa.generate_private_key(65537, 2048); lk = ec.generate_private_key(ec.SECP384R1())
pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode()
sits = []
# root subject PrintableString, leaf issuer UTF8String
root_p = cert(name("Root", _ASN1Type.PrintableString), name("Root", _ASN1Type.PrintableString), rk.public_key(), rk, True)
leaf_u = cert(name("leaf"), name("Root"), lk.public_key(), rk, False)
sits.append(("string-type", root_p, leaf_u))
root = cert(name("Root"), name("Root"), rk.public_key(), rk, True)
leaf_case = cert(name("leaf"), name("ROOT"), lk.public_key(), rk, False)
sits.append(("case", root, leaf_case))
leaf_pss = cert(name("leaf"), name("Root"), lk.public_key(), rk, False, pss=True)
sits.append(("pss-signed", root, leaf_pss))
for n, r, l in sits:
    open(n+"-root.pem","w").write(pem(r)); open(n+"-leaf.pem","w").write(pem(l))
