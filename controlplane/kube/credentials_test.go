package kube_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/zone"
	"github.com/zonemesh/zonemesh/harness/kubetest"
)

func TestDataplaneAuthAcceptsNamespaceTokensForThatNamespaceOnly(t *testing.T) {
	dir := t.TempDir()
	s, err := kube.ZoneSigner(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := kube.DataplaneAuth{Signer: s}
	ctx := context.Background()
	nsTok, err := kube.IssueNamespaceToken(s, "shop", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	own, err := s.IssueDataplaneToken("default", "web-1", auth.ProxySidecar, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mesh, name, token string
		ok                bool
	}{
		{"default", "backend-7d9.shop", nsTok, true},
		{"other-mesh", "backend-7d9.shop", nsTok, true}, // the Pod's annotation picks the mesh
		{"default", "backend-7d9.bank", nsTok, false},
		{"default", "shop", nsTok, false},
		{"", "backend-7d9.shop", nsTok, false}, // a zone ingress never takes a namespace token
		{"default", "web-1", own, true},
		{"default", "web-2", own, false},
	} {
		err := a.Authenticate(ctx, c.mesh, c.name, c.token)
		if (err == nil) != c.ok {
			t.Errorf("%s/%s: err %v, want ok=%v", c.mesh, c.name, err, c.ok)
		}
	}
	// The control plane namespace's ingress token admits zone ingresses of that namespace
	// only, and never a sidecar; the sidecars' namespace token never admits an ingress.
	ia := kube.DataplaneAuth{Signer: s, IngressNamespace: "zonemesh-system"}
	ingTok, err := kube.IssueIngressToken(s, "zonemesh-system", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	sysTok, err := kube.IssueNamespaceToken(s, "zonemesh-system", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		a                 kube.DataplaneAuth
		mesh, name, token string
		ok                bool
	}{
		{ia, "", "zonemesh-ingress-5f7.zonemesh-system", ingTok, true},
		{ia, "", "zonemesh-ingress-5f7.shop", ingTok, false},
		{ia, "default", "zonemesh-ingress-5f7.zonemesh-system", ingTok, false}, // not a sidecar token
		{ia, "", "zonemesh-ingress-5f7.zonemesh-system", sysTok, false},        // not an ingress token
		{a, "", "zonemesh-ingress-5f7.zonemesh-system", ingTok, false},         // no ingress namespace set
	} {
		err := c.a.Authenticate(ctx, c.mesh, c.name, c.token)
		if (err == nil) != c.ok {
			t.Errorf("ingress namespace %q, %s/%s: err %v, want ok=%v", c.a.IngressNamespace, c.mesh, c.name, err, c.ok)
		}
	}

	// A different zone's key signs nothing here.
	other, _ := kube.ZoneSigner(t.TempDir(), nil)
	foreign, _ := kube.IssueNamespaceToken(other, "shop", time.Hour)
	if err := a.Authenticate(ctx, "default", "x.shop", foreign); !errors.Is(err, auth.ErrBadSignature) {
		t.Errorf("foreign namespace token: %v, want a bad signature", err)
	}
}

// TestCredentialsInLabelledNamespaces: the zone puts its CA and a namespace token into every
// namespace labelled for injection (what the injected sidecar mounts), restores them when
// they are deleted or changed, and replaces the token at half its lifetime.
func TestCredentialsInLabelledNamespaces(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := ca.LoadOrCreateCA(filepath.Join(dir, zone.CADir), "zonemesh zone zone-k", nil); err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, zone.CADir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	const ttl = 6 * time.Second // refreshed after 3 s
	cc, err := kube.NewCredentialsController(kube.CredentialsConfig{Client: cs, DataDir: dir, TokenTTL: ttl, SystemNamespace: "zm-system"})
	if err != nil {
		t.Fatal(err)
	}
	mc := kube.ModeConfig{DataDir: dir, SystemNamespace: "zm-system"}
	da, err := mc.DataplaneAuth()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cc.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	for name, labels := range map[string]map[string]string{"meshed": {kube.LabelInjection: "enabled"}, "plain": nil, "zm-system": nil} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	token := func() string {
		s, err := cs.CoreV1().Secrets("meshed").Get(ctx, kube.TokenSecretName, metav1.GetOptions{})
		if err != nil {
			return ""
		}
		return string(s.Data[kube.TokenKey])
	}
	current := func() bool {
		cm, err := cs.CoreV1().ConfigMaps("meshed").Get(ctx, kube.CAConfigMapName, metav1.GetOptions{})
		if err != nil || cm.Data[kube.CAKey] != string(caPEM) {
			return false
		}
		return da.Authenticate(ctx, "default", "backend-1.meshed", token()) == nil
	}
	waitFor(t, current)
	if err := da.Authenticate(ctx, "default", "backend-1.plain", token()); err == nil {
		t.Error("the token of namespace meshed admits a dataplane of namespace plain")
	}
	if _, err := cs.CoreV1().Secrets("plain").Get(ctx, kube.TokenSecretName, metav1.GetOptions{}); err == nil {
		t.Error("token secret in an unlabelled namespace")
	}

	// The control plane's namespace (not labelled) gets the CA and the ingress token the
	// zone ingress Deployment mounts, and no sidecar token.
	waitFor(t, func() bool {
		cm, err := cs.CoreV1().ConfigMaps("zm-system").Get(ctx, kube.CAConfigMapName, metav1.GetOptions{})
		if err != nil || cm.Data[kube.CAKey] != string(caPEM) {
			return false
		}
		s, err := cs.CoreV1().Secrets("zm-system").Get(ctx, kube.IngressTokenSecretName, metav1.GetOptions{})
		return err == nil && da.Authenticate(ctx, "", "zonemesh-ingress-1.zm-system", string(s.Data[kube.TokenKey])) == nil
	})
	if _, err := cs.CoreV1().Secrets("zm-system").Get(ctx, kube.TokenSecretName, metav1.GetOptions{}); err == nil {
		t.Error("sidecar token secret in the unlabelled control plane namespace")
	}
	if _, err := cs.CoreV1().Secrets("meshed").Get(ctx, kube.IngressTokenSecretName, metav1.GetOptions{}); err == nil {
		t.Error("ingress token secret in an injection namespace")
	}

	// Deleted or changed by someone: put back.
	if err := cs.CoreV1().Secrets("meshed").Delete(ctx, kube.TokenSecretName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cm, err := cs.CoreV1().ConfigMaps("meshed").Get(ctx, kube.CAConfigMapName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data[kube.CAKey] = "not a CA"
	if _, err := cs.CoreV1().ConfigMaps("meshed").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, current)

	// Refreshed at half its lifetime.
	first := token()
	waitFor(t, func() bool { return token() != first && current() })
}
