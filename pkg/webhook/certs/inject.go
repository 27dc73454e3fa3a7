package certs

import (
	"bytes"
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// inject writes caBundle into every target that lacks it. Objects are read
// through reader (uncached, so no informer on CRDs or webhook
// configurations) and written only when something differs.
func inject(ctx context.Context, reader client.Reader, writer client.Client, t Targets, caBundle []byte) error {
	for _, name := range t.MutatingWebhooks {
		o := &admissionregistrationv1.MutatingWebhookConfiguration{}
		err := update(ctx, reader, writer, name, o, func() bool {
			configs := make([]*admissionregistrationv1.WebhookClientConfig, len(o.Webhooks))
			for i := range o.Webhooks {
				configs[i] = &o.Webhooks[i].ClientConfig
			}
			return setBundles(configs, caBundle)
		})
		if err != nil {
			return err
		}
	}
	for _, name := range t.CRDs {
		o := &apiextensionsv1.CustomResourceDefinition{}
		err := update(ctx, reader, writer, name, o, func() bool {
			c := o.Spec.Conversion
			if c == nil || c.Webhook == nil || c.Webhook.ClientConfig == nil {
				return false
			}
			return setBundle(&c.Webhook.ClientConfig.CABundle, caBundle)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// update reads the cluster-scoped object name into o, lets change edit it,
// and writes it back when change reports an edit.
func update(ctx context.Context, reader client.Reader, writer client.Client, name string, o client.Object, change func() bool) error {
	if err := reader.Get(ctx, types.NamespacedName{Name: name}, o); err != nil {
		return fmt.Errorf("reading %T %s for its caBundle: %w", o, name, err)
	}
	if !change() {
		return nil
	}
	if err := writer.Update(ctx, o); err != nil {
		return fmt.Errorf("injecting caBundle into %T %s: %w", o, name, err)
	}
	return nil
}

// setBundles sets caBundle in every webhook's client config.
func setBundles(configs []*admissionregistrationv1.WebhookClientConfig, b []byte) bool {
	changed := false
	for _, c := range configs {
		changed = setBundle(&c.CABundle, b) || changed
	}
	return changed
}

func setBundle(dst *[]byte, b []byte) bool {
	if bytes.Equal(*dst, b) {
		return false
	}
	*dst = append([]byte(nil), b...)
	return true
}
