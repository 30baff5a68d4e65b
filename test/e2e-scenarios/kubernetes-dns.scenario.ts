// Scenarios with pekko-dns discovery against cluster DNS (examples/kubernetes-dns). Needs root and a built runtime.
import { defineScenarios } from './scenarios.js';

defineScenarios('kubernetes-dns');
