// Scenarios with kubernetes-api discovery (examples/kubernetes-api). Needs root and a built runtime.
import { defineScenarios } from './scenarios.js';

defineScenarios('kubernetes-api');
