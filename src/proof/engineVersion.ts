/** The one EZKL release pocompute speaks to, on both engines. */
export const EZKL_VERSION = '23.0.5';
