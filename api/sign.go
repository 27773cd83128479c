package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"strconv"
	"strings"
	"time"
)

// The signing profile: RFC 9421 HTTP Message Signatures with one fixed shape,
// Ed25519 keys and an RFC 9530 Content-Digest over the raw body.
//
//	Content-Digest: sha-256=:<base64>:
//	Signature-Input: sig1=("@method" "@target-uri" "authorization" "content-digest" "idempotency-key");created=<unix>;expires=<unix>;nonce="<22 chars>";keyid="<b64url sha256(pub)>";alg="ed25519";tag="fastcheck-v1"
//	Signature: sig1=:<base64 signature over the signature base>:
//
// The covered components are "@method", "@target-uri" and "content-digest",
// plus each of "authorization", "fastcheck-key" and "idempotency-key" that
// the request carries, in that order. The verifier demands exactly that set,
// so no header the server acts on can ride along unsigned.
const (
	SignatureTag = "fastcheck-v1"
	// SignatureLifetime is expires − created.
	SignatureLifetime = 60 * time.Second
	// MaxSignatureAge is how old "created" may be when the server sees it.
	MaxSignatureAge = 60 * time.Second
	// MaxClockAhead is how far in the future "created" may be.
	MaxClockAhead = 5 * time.Second

	HeaderContentDigest  = "Content-Digest"
	HeaderSignatureInput = "Signature-Input"
	HeaderSignature      = "Signature"
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderPublicKey carries the signer's raw Ed25519 public key (unpadded
	// standard base64, the userId form) on requests that introduce a key:
	// creating a websession, and every phone request.
	HeaderPublicKey = "Fastcheck-Key"
)

var optionalComponents = []string{"authorization", "content-digest", "fastcheck-key", "idempotency-key"}

// Errors a verifier reports. ErrClockSkew means the signature was fine in
// shape but its time window does not contain the server's clock: the server
// answers 401 with its Date so the client can correct its offset.
var (
	ErrNoSignature = errors.New("request is not signed (Signature and Signature-Input headers are required)")
	ErrClockSkew   = errors.New("signature time window does not contain the server's time; check your clock")
)

// ContentDigest returns the Content-Digest header value for body.
func ContentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// NewNonce returns 128 random bits, unpadded base64url.
func NewNonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// TargetURI is the @target-uri of an outgoing request: scheme, host and the
// request-target exactly as the client will send it.
func TargetURI(req *http.Request) string {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	return req.URL.Scheme + "://" + host + req.URL.RequestURI()
}

// Sign sets Content-Digest, Signature-Input and Signature on req. body must
// be exactly the bytes that will be sent. created is the signer's idea of
// the server's time (local time corrected by any known offset).
func Sign(req *http.Request, body []byte, key ed25519.PrivateKey, created time.Time) {
	req.Header.Set(HeaderContentDigest, ContentDigest(body))
	components := coveredComponents(req.Header)
	pub := key.Public().(ed25519.PublicKey)
	params := serializeParams(components, created.Unix(), created.Add(SignatureLifetime).Unix(), NewNonce(), KeyID(pub))
	base := signatureBase(req.Method, TargetURI(req), req.Header, components, params)
	sig := ed25519.Sign(key, []byte(base))
	req.Header.Set(HeaderSignatureInput, "sig1="+params)
	req.Header.Set(HeaderSignature, "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

func coveredComponents(h http.Header) []string {
	c := []string{"@method", "@target-uri"}
	for _, name := range optionalComponents {
		if name == "content-digest" || len(h.Values(name)) > 0 {
			c = append(c, name)
		}
	}
	return c
}

func serializeParams(components []string, created, expires int64, nonce, keyid string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, c := range components {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Quote(c))
	}
	b.WriteByte(')')
	fmt.Fprintf(&b, ";created=%d;expires=%d;nonce=%q;keyid=%q;alg=\"ed25519\";tag=%q", created, expires, nonce, keyid, SignatureTag)
	return b.String()
}

func headerValue(h http.Header, name string) string {
	// h.Values returns the header map's own slice: trim into a copy, so
	// that signing and verifying never rewrite (or race on) the headers.
	vals := make([]string, 0, len(h.Values(name)))
	for _, v := range h.Values(name) {
		vals = append(vals, strings.TrimSpace(v))
	}
	return strings.Join(vals, ", ")
}

func signatureBase(method, targetURI string, h http.Header, components []string, params string) string {
	var b strings.Builder
	for _, c := range components {
		b.WriteString(strconv.Quote(c))
		b.WriteString(": ")
		switch c {
		case "@method":
			b.WriteString(method)
		case "@target-uri":
			b.WriteString(targetURI)
		default:
			b.WriteString(headerValue(h, c))
		}
		b.WriteByte('\n')
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(params)
	return b.String()
}

// SignedRequest is a parsed, not yet verified, signature.
type SignedRequest struct {
	KeyID      string
	Nonce      string
	Created    time.Time
	Expires    time.Time
	Components []string
	params     string
	signature  []byte
	// PublicKey is the key named by the Fastcheck-Key header, if present
	// and well-formed; it is bound to KeyID by Parse.
	PublicKey ed25519.PublicKey
}

// Header size limits of the profile.
const (
	maxSignatureInput = 512
	maxSignature      = 128
)

// ParseSignature reads the signature headers of an incoming request and
// checks that their shape is exactly the profile's: label sig1, the
// component set the request's headers call for, every parameter once,
// alg ed25519 and our tag. It does not check the signature itself.
func ParseSignature(h http.Header) (*SignedRequest, error) {
	inputs, sigs := h.Values(HeaderSignatureInput), h.Values(HeaderSignature)
	if len(inputs) == 0 && len(sigs) == 0 {
		return nil, ErrNoSignature
	}
	if len(inputs) != 1 || len(sigs) != 1 {
		return nil, errors.New("exactly one Signature-Input and one Signature header are required")
	}
	input, sigHdr := inputs[0], sigs[0]
	if len(input) > maxSignatureInput || len(sigHdr) > maxSignature {
		return nil, errors.New("signature headers are too long")
	}
	if !strings.HasPrefix(input, "sig1=(") {
		return nil, errors.New("Signature-Input must define the label sig1")
	}
	params := strings.TrimPrefix(input, "sig1=")
	end := strings.IndexByte(params, ')')
	if end < 0 {
		return nil, errors.New("Signature-Input has no closing parenthesis")
	}
	var components []string
	for _, item := range strings.Fields(params[1:end]) {
		c, err := strconv.Unquote(item)
		if err != nil || !strings.HasPrefix(item, `"`) {
			return nil, errors.New("Signature-Input components must be quoted strings")
		}
		components = append(components, c)
	}
	want := coveredComponents(h)
	if strings.Join(components, " ") != strings.Join(want, " ") {
		return nil, fmt.Errorf("signature must cover exactly (%s)", strings.Join(want, " "))
	}
	sr := &SignedRequest{Components: components, params: params}
	seen := map[string]bool{}
	for _, p := range strings.Split(params[end+1:], ";")[1:] {
		name, val, ok := strings.Cut(p, "=")
		if !ok || seen[name] {
			return nil, errors.New("Signature-Input parameters are malformed or repeated")
		}
		seen[name] = true
		switch name {
		case "created", "expires":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 || n > 1<<40 {
				return nil, fmt.Errorf("Signature-Input %s must be a Unix time", name)
			}
			if name == "created" {
				sr.Created = time.Unix(n, 0)
			} else {
				sr.Expires = time.Unix(n, 0)
			}
		case "nonce", "keyid", "alg", "tag":
			s, err := strconv.Unquote(val)
			if err != nil || !strings.HasPrefix(val, `"`) {
				return nil, fmt.Errorf("Signature-Input %s must be a quoted string", name)
			}
			switch name {
			case "nonce":
				if len(s) < 16 || len(s) > 64 || !isToken(s) {
					return nil, errors.New("Signature-Input nonce must be 16 to 64 base64url characters")
				}
				sr.Nonce = s
			case "keyid":
				if len(s) != 43 || !isToken(s) {
					return nil, errors.New("Signature-Input keyid must be the base64url SHA-256 of the public key")
				}
				sr.KeyID = s
			case "alg":
				if s != "ed25519" {
					return nil, errors.New(`Signature-Input alg must be "ed25519"`)
				}
			case "tag":
				if s != SignatureTag {
					return nil, fmt.Errorf("Signature-Input tag must be %q", SignatureTag)
				}
			}
		default:
			return nil, errors.New("Signature-Input has an unknown parameter")
		}
	}
	for _, p := range []string{"created", "expires", "nonce", "keyid", "alg", "tag"} {
		if !seen[p] {
			return nil, fmt.Errorf("Signature-Input lacks the %s parameter", p)
		}
	}
	if !sr.Expires.After(sr.Created) || sr.Expires.Sub(sr.Created) > SignatureLifetime {
		return nil, fmt.Errorf("signature lifetime must be at most %d seconds", int(SignatureLifetime.Seconds()))
	}
	if !strings.HasPrefix(sigHdr, "sig1=:") || !strings.HasSuffix(sigHdr, ":") || len(sigHdr) < 8 {
		return nil, errors.New("Signature must be sig1=:<base64>:")
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(sigHdr[6 : len(sigHdr)-1])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, errors.New("Signature is not a base64 Ed25519 signature")
	}
	sr.signature = sig
	if pk := h.Values(HeaderPublicKey); len(pk) > 0 {
		if len(pk) != 1 {
			return nil, errors.New("exactly one Fastcheck-Key header is allowed")
		}
		pub, err := ParseUserID(strings.TrimSpace(pk[0]))
		if err != nil {
			return nil, errors.New("Fastcheck-Key must be a base64 Ed25519 public key")
		}
		if KeyID(pub) != sr.KeyID {
			return nil, errors.New("keyid does not match the Fastcheck-Key header")
		}
		sr.PublicKey = pub
	}
	return sr, nil
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Verify checks, in the guide's order, that pub is the key named by keyid,
// that Content-Digest matches body, that now lies in the signature's window,
// and that the Ed25519 signature over the signature base is valid.
// Recording the nonce is the caller's next step.
func (sr *SignedRequest) Verify(pub ed25519.PublicKey, method, targetURI string, h http.Header, body []byte, now time.Time) error {
	if len(pub) != ed25519.PublicKeySize || subtle.ConstantTimeCompare([]byte(KeyID(pub)), []byte(sr.KeyID)) != 1 {
		return errors.New("signature key is not the key bound to this session")
	}
	if d := h.Values(HeaderContentDigest); len(d) != 1 || d[0] != ContentDigest(body) {
		return errors.New("Content-Digest does not match the request body")
	}
	if now.Before(sr.Created.Add(-MaxClockAhead)) || now.After(sr.Created.Add(MaxSignatureAge)) || !now.Before(sr.Expires) {
		return ErrClockSkew
	}
	base := signatureBase(method, targetURI, h, sr.Components, sr.params)
	if !ed25519.Verify(pub, []byte(base), sr.signature) {
		return errors.New("signature does not verify")
	}
	return nil
}
