package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// ErrUnsupported is returned for Pause and Resume: Kubernetes cannot freeze a container.
var ErrUnsupported = errors.New("kubeconfig backend: not supported on Kubernetes")

// deployment is a component that is one Deployment.
type deployment struct {
	name   string
	cs     kubernetes.Interface
	ns     string
	deploy string
}

func (d *deployment) Name() string { return d.name }

// Kill deletes the Deployment's Pods at once (grace 0); the ReplicaSet starts new ones,
// as a crashed process would be restarted by its supervisor.
func (d *deployment) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sel, err := d.selector(ctx)
	if err != nil {
		return err
	}
	zero := int64(0)
	err = d.cs.CoreV1().Pods(d.ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero},
		metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("kubeconfig backend: kill %s: %w", d.name, err)
	}
	return nil
}

func (d *deployment) Pause() error  { return ErrUnsupported }
func (d *deployment) Resume() error { return ErrUnsupported }

// Restart rolls the Deployment, as `kubectl rollout restart` does.
func (d *deployment) Restart(ctx context.Context) error {
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"zonemesh.io/restartedAt":%q}}}}}`, time.Now().UTC().Format(time.RFC3339Nano))
	if _, err := d.cs.AppsV1().Deployments(d.ns).Patch(ctx, d.deploy, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("kubeconfig backend: restart %s: %w", d.name, err)
	}
	return nil
}

// Stop scales the Deployment to zero.
func (d *deployment) Stop(ctx context.Context) error {
	patch := []byte(`{"spec":{"replicas":0}}`)
	if _, err := d.cs.AppsV1().Deployments(d.ns).Patch(ctx, d.deploy, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("kubeconfig backend: stop %s: %w", d.name, err)
	}
	return nil
}

// LogPath is empty: logs stay in the cluster (kubectl logs).
func (d *deployment) LogPath() string { return "" }

func (d *deployment) selector(ctx context.Context) (string, error) {
	dep, err := d.cs.AppsV1().Deployments(d.ns).Get(ctx, d.deploy, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("kubeconfig backend: %s: %w", d.name, err)
	}
	return labels.SelectorFromSet(dep.Spec.Selector.MatchLabels).String(), nil
}

// waitAvailable polls (the cluster gives no push for it without a watch per call) until
// every replica of the current generation is available.
func (d *deployment) waitAvailable(ctx context.Context) error {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		dep, err := d.cs.AppsV1().Deployments(d.ns).Get(ctx, d.deploy, metav1.GetOptions{})
		if err == nil && dep.Status.ObservedGeneration >= dep.Generation && dep.Spec.Replicas != nil &&
			dep.Status.AvailableReplicas == *dep.Spec.Replicas && dep.Status.UpdatedReplicas == *dep.Spec.Replicas {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubeconfig backend: %s not available: %w (last error: %v)", d.name, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

func ensureNamespace(ctx context.Context, cs kubernetes.Interface, name string, lbls map[string]string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}
	_, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kubeconfig backend: namespace %s: %w", name, err)
	}
	return nil
}

func putSecret(ctx context.Context, cs kubernetes.Interface, ns, name string, data map[string][]byte) error {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: data}
	api := cs.CoreV1().Secrets(ns)
	cur, err := api.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = api.Create(ctx, s, metav1.CreateOptions{})
	case err == nil:
		s.ResourceVersion = cur.ResourceVersion
		_, err = api.Update(ctx, s, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("kubeconfig backend: secret %s/%s: %w", ns, name, err)
	}
	return nil
}
