/** Sample-quality metrics: 2-D mixture coverage, Fréchet distance, classifier coverage. */
export {
  DEFAULT_HQ_RADIUS_SIGMAS,
  DEFAULT_RECOVERED_SHARE,
  mixtureMetrics,
  twentyFiveGaussians,
  type MixtureMetrics,
  type MixtureMetricsOptions,
  type MixtureSpec,
} from './mixture2d.js';
export { featureStatistics, frechetDistance, type FeatureStatistics } from './frechet.js';
export { classifierMetrics, type ClassifierMetrics } from './classifier.js';
export { multiplySquare, psdSqrt, symmetricEigen, type SymmetricEigen, type SymmetricEigenOptions } from './linalg.js';
export { MetricsAccumulator, SampleEvaluator, type EvaluationRequest, type ImageMetrics, type SampleMetrics } from './evaluator.js';
