package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/approval"
	"github.com/slipway-ci/slipway/pkg/resources"
)

func (e *env) approveCmd() *cobra.Command {
	var reject bool
	var message string
	cmd := &cobra.Command{
		Use:   "approve NAME",
		Short: "Approve (or --reject) an Approval gate: its CustomRun, or the one a PipelineRun waits on",
		Long: "Records your decision on a slipway.dev Approval, as " +
			"`kubectl annotate customrun NAME " + approval.AnnotationApprove + "=MESSAGE` would; " +
			"the admission webhook checks that you are one of its approvers.",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: e.completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := e.scoped()
			if err != nil {
				return err
			}
			cr, err := findApproval(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			key, verb := approval.AnnotationApprove, "approved"
			if reject {
				key, verb = approval.AnnotationReject, "rejected"
			}
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: message}}})
			if err := c.Patch(cmd.Context(), cr, client.RawPatch(types.MergePatchType, patch)); err != nil {
				return err
			}
			fprintf(e.Out, "customrun/%s %s\n", cr.Name, verb)
			return nil
		},
	}
	cmd.Flags().BoolVar(&reject, "reject", false, "reject instead of approve")
	cmd.Flags().StringVarP(&message, "message", "m", "", "a message recorded with the decision")
	return cmd
}

// findApproval is the Approval CustomRun named name, or the one that the
// PipelineRun named name waits on.
func findApproval(ctx context.Context, c client.Client, ns, name string) (*v1beta1.CustomRun, error) {
	cr := &v1beta1.CustomRun{}
	err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, cr)
	switch {
	case err == nil && resources.IsApprovalRun(cr):
		return cr, nil
	case err == nil:
		return nil, fmt.Errorf("customrun %s is not a %s %s", name, resources.ApprovalAPIVersion, resources.ApprovalKind)
	case !apierrors.IsNotFound(err):
		return nil, err
	}
	var list v1beta1.CustomRunList
	if err := c.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{resources.LabelPipelineRun: name}); err != nil {
		return nil, err
	}
	var waiting []*v1beta1.CustomRun
	for i := range list.Items {
		if resources.IsApprovalRun(&list.Items[i]) && !list.Items[i].IsDone() {
			waiting = append(waiting, &list.Items[i])
		}
	}
	switch len(waiting) {
	case 1:
		return waiting[0], nil
	case 0:
		return nil, fmt.Errorf("no Approval named %s, and no PipelineRun %s waiting on one", name, name)
	}
	names := make([]string, len(waiting))
	for i, w := range waiting {
		names[i] = w.Name
	}
	return nil, fmt.Errorf("PipelineRun %s waits on %d Approvals: name one of %s", name, len(waiting), strings.Join(names, ", "))
}
