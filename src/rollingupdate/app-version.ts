// pekko.cluster.app-version from the Deployment revision (Pekko Management's AppVersionRevision):
// the `deployment.kubernetes.io/revision` annotation of the ReplicaSet that owns this pod. Read
// before the node joins, since the app-version travels in Join; on failure the configured
// app-version is used, as Pekko falls back when the later app-version fails.
import type { Logger } from '../logging.js';
import { isValidAppVersion } from '../cluster/member.js';
import type { RollingUpdateApi } from './kubernetes-client.js';

const TRIES = 5;

export async function appVersionFromRevision(api: RollingUpdateApi, podName: string, fallback: string, logger: Logger): Promise<string> {
  if (podName === '') {
    logger.error(
      'Not able to read the app version from the revision of the current ReplicaSet: no pod name. Set pekko.rollingupdate.kubernetes.pod-name or the KUBERNETES_POD_NAME environment variable.',
    );
    return fallback;
  }
  let last: unknown;
  for (let i = 0; i < TRIES; i++) {
    try {
      const revision = await api.readRevision(podName);
      if (!isValidAppVersion(revision)) throw new Error(`revision [${revision}] is not a valid version`);
      logger.info({ appVersion: revision }, `Reading revision from Kubernetes: pekko.cluster.app-version was set to ${revision}`);
      return revision;
    } catch (e) {
      last = e;
      logger.warn({ err: e, try: i }, `Failed to get revision ${(e as Error).message}. Try again (${i})`);
    }
  }
  logger.warn({ err: last, appVersion: fallback }, `Not able to read revision from Kubernetes. Fallback to configured appVersion [${fallback}]`);
  return fallback;
}
