package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

// Secrets are the translated SDS resources.
type Secrets struct {
	Certs map[string]*Cert
	CAs   map[string]*x509.CertPool
}

// TranslateSecrets translates SDS Secret resources.
func TranslateSecrets(res []*anypb.Any) (*Secrets, error) {
	out := &Secrets{Certs: map[string]*Cert{}, CAs: map[string]*x509.CertPool{}}
	for i, a := range res {
		s, err := unpack(a, fmt.Sprintf("secret[%d]", i), &tlsv3.Secret{})
		if err != nil {
			return nil, err
		}
		path := fmt.Sprintf("secret %q", s.GetName())
		if err := only(s, path, "name", "tls_certificate", "validation_context"); err != nil {
			return nil, err
		}
		switch {
		case s.GetTlsCertificate() != nil:
			tc := s.GetTlsCertificate()
			if err := only(tc, path+".tls_certificate", "certificate_chain", "private_key"); err != nil {
				return nil, err
			}
			chain, err := data(tc.GetCertificateChain(), path+".tls_certificate.certificate_chain")
			if err != nil {
				return nil, err
			}
			key, err := data(tc.GetPrivateKey(), path+".tls_certificate.private_key")
			if err != nil {
				return nil, err
			}
			kp, err := tls.X509KeyPair(chain, key)
			if err != nil {
				return nil, fmt.Errorf("%s.tls_certificate: %w", path, err)
			}
			c := &Cert{TLS: kp}
			if leaf := kp.Leaf; leaf != nil && len(leaf.URIs) > 0 {
				c.URI = leaf.URIs[0].String()
			}
			out.Certs[s.GetName()] = c
		case s.GetValidationContext() != nil:
			vc := s.GetValidationContext()
			if err := only(vc, path+".validation_context", "trusted_ca"); err != nil {
				return nil, err
			}
			pem, err := data(vc.GetTrustedCa(), path+".validation_context.trusted_ca")
			if err != nil {
				return nil, err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%s.validation_context.trusted_ca: no PEM certificate", path)
			}
			out.CAs[s.GetName()] = pool
		default:
			return nil, fmt.Errorf("%s: needs tls_certificate or validation_context", path)
		}
	}
	return out, nil
}

func data(ds *corev3.DataSource, path string) ([]byte, error) {
	switch {
	case ds == nil:
		return nil, fmt.Errorf("%s: missing", path)
	case ds.GetInlineBytes() != nil:
		return ds.GetInlineBytes(), nil
	case ds.GetInlineString() != "":
		return []byte(ds.GetInlineString()), nil
	default:
		return nil, fmt.Errorf("%s: only inline_bytes and inline_string are supported", path)
	}
}

// common translates the parts of a CommonTlsContext the proxy supports.
func common(c *tlsv3.CommonTlsContext, path string) (cert, ca string, san []SANMatch, alpn []string, err error) {
	if c == nil {
		return "", "", nil, nil, fmt.Errorf("%s: missing common_tls_context", path)
	}
	if err = only(c, path, "tls_certificate_sds_secret_configs", "combined_validation_context",
		"validation_context_sds_secret_config", "alpn_protocols"); err != nil {
		return
	}
	sds := c.GetTlsCertificateSdsSecretConfigs()
	if len(sds) != 1 {
		return "", "", nil, nil, fmt.Errorf("%s.tls_certificate_sds_secret_configs: need exactly one, got %d", path, len(sds))
	}
	if cert, err = sdsName(sds[0], path+".tls_certificate_sds_secret_configs[0]"); err != nil {
		return
	}
	alpn = c.GetAlpnProtocols()
	if v := c.GetValidationContextSdsSecretConfig(); v != nil {
		ca, err = sdsName(v, path+".validation_context_sds_secret_config")
		return
	}
	if cv := c.GetCombinedValidationContext(); cv != nil {
		p := path + ".combined_validation_context"
		if ca, err = sdsName(cv.GetValidationContextSdsSecretConfig(), p+".validation_context_sds_secret_config"); err != nil {
			return
		}
		if d := cv.GetDefaultValidationContext(); d != nil {
			if err = only(d, p+".default_validation_context", "match_typed_subject_alt_names"); err != nil {
				return
			}
			for i, m := range d.GetMatchTypedSubjectAltNames() {
				mp := fmt.Sprintf("%s.default_validation_context.match_typed_subject_alt_names[%d]", p, i)
				if m.GetSanType() != tlsv3.SubjectAltNameMatcher_URI {
					return "", "", nil, nil, fmt.Errorf("%s.san_type: only URI is supported", mp)
				}
				sm := m.GetMatcher()
				switch {
				case sm.GetExact() != "":
					san = append(san, SANMatch{Exact: sm.GetExact()})
				case sm.GetPrefix() != "":
					san = append(san, SANMatch{Prefix: sm.GetPrefix()})
				default:
					return "", "", nil, nil, fmt.Errorf("%s.matcher: only exact and prefix are supported", mp)
				}
			}
		}
	}
	return
}

func sdsName(s *tlsv3.SdsSecretConfig, path string) (string, error) {
	if s == nil || s.GetName() == "" {
		return "", fmt.Errorf("%s: missing name", path)
	}
	if err := only(s, path, "name", "sds_config"); err != nil {
		return "", err
	}
	if src := s.GetSdsConfig(); src != nil && src.GetAds() == nil {
		return "", fmt.Errorf("%s.sds_config: only ads is supported", path)
	}
	return s.GetName(), nil
}

func downstreamTLS(a *anypb.Any, path string) (*DownstreamTLS, error) {
	d, err := unpack(a, path, &tlsv3.DownstreamTlsContext{})
	if err != nil {
		return nil, err
	}
	if err := only(d, path, "common_tls_context", "require_client_certificate"); err != nil {
		return nil, err
	}
	cert, ca, san, _, err := common(d.GetCommonTlsContext(), path+".common_tls_context")
	if err != nil {
		return nil, err
	}
	return &DownstreamTLS{CertName: cert, CAName: ca, SAN: san,
		RequireClientCert: d.GetRequireClientCertificate().GetValue()}, nil
}

func upstreamTLS(a *anypb.Any, path string) (*UpstreamTLS, error) {
	u, err := unpack(a, path, &tlsv3.UpstreamTlsContext{})
	if err != nil {
		return nil, err
	}
	if err := only(u, path, "common_tls_context", "sni"); err != nil {
		return nil, err
	}
	cert, ca, san, alpn, err := common(u.GetCommonTlsContext(), path+".common_tls_context")
	if err != nil {
		return nil, err
	}
	return &UpstreamTLS{SNI: u.GetSni(), CertName: cert, CAName: ca, SAN: san, ALPN: alpn}, nil
}
