// @example/plugin-pod-policy: a third-party hook plugin for Last.Backend. Named in the server config's
// `plugins`, it (1) labels every container io.example/policy=checked and io.example/team=<namespace>, and
// (2) vetoes pods whose image does not start with one of the prefixes in LB_POLICY_ALLOWED_IMAGES
// (comma-separated, read when the server loads the plugin; unset: every image is allowed).
import { definePlugin } from '@lastbackend/sdk';
import { labelled, parseAllowed, vetoReason } from './policy';

export const PLUGIN_NAME = 'pod-policy';

export default definePlugin({
  name: PLUGIN_NAME,
  apply(hooks) {
    const allowed = parseAllowed(process.env.LB_POLICY_ALLOWED_IMAGES);
    hooks.beforePodCreate.tapPromise(PLUGIN_NAME, async (pod) => vetoReason(pod, allowed));
    hooks.podSpec.tapPromise(PLUGIN_NAME, async (spec, pod) => labelled(spec, pod));
  },
});

export { LABEL_POLICY, LABEL_TEAM, labelled, parseAllowed, vetoReason } from './policy';
