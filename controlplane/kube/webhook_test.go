package kube_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/harness/kubetest"
)

func TestWebhookInjectsSidecarInLabelledNamespace(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in, err := kube.NewInjector(kube.InjectorConfig{Client: cs,
		Sidecar: kube.SidecarConfig{Image: "zonemesh/zonemesh:test", Zone: "zone-k", CPAddress: "127.0.0.1:5678"}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	for name, labels := range map[string]map[string]string{"meshed": {kube.LabelInjection: "enabled"}, "plain": nil} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The webhook configuration is registered by Run; a Pod created before it exists
	// would not be injected, so wait until the API server has it (with our CA bundle).
	waitFor(t, func() bool {
		c, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, kube.WebhookConfigName, metav1.GetOptions{})
		return err == nil && len(c.Webhooks) == 1 && string(c.Webhooks[0].ClientConfig.CABundle) == string(in.CABundle())
	})
	pod := meshPod("meshed", "", "", "backend", "v1")
	pod.GenerateName = "backend-"
	got, err := cs.CoreV1().Pods("meshed").Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Containers) != 2 || got.Spec.Containers[1].Name != kube.SidecarName {
		t.Fatalf("containers of the created pod: %+v", got.Spec.Containers)
	}
	args := strings.Join(got.Spec.Containers[1].Args, " ")
	for _, want := range []string{"dp ", "--cp=127.0.0.1:5678", "--zone=zone-k", "--inbound=15006:8080:backend:v1:http", "--address=$(POD_IP)"} {
		if !strings.Contains(args, want) {
			t.Errorf("sidecar args %q lack %q", args, want)
		}
	}
	if got.Annotations[kube.AnnotationInjected] != "true" || len(got.Spec.Volumes) != 2 {
		t.Errorf("annotations %v volumes %d", got.Annotations, len(got.Spec.Volumes))
	}
	other, err := cs.CoreV1().Pods("plain").Create(ctx, meshPod("plain", "p", "", "backend", "v1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Spec.Containers) != 1 {
		t.Fatalf("pod in an unlabelled namespace got %d containers", len(other.Spec.Containers))
	}
	// A labelled Pod without its port is refused with the reason.
	bad := meshPod("meshed", "bad", "", "backend", "v1")
	bad.Annotations = nil
	if _, err := cs.CoreV1().Pods("meshed").Create(ctx, bad, metav1.CreateOptions{}); err == nil || !strings.Contains(err.Error(), kube.AnnotationPort) {
		t.Fatalf("pod without port annotation: %v", err)
	}
}
