// The element types of a model's tensors, as EZKL and onnxruntime name them.

/**
 * The ONNX element types EZKL reads as inputs (its `InputType`: bool, f16, f32, f64 and every
 * integer width), named as onnxruntime names them.
 */
export const EZKL_INPUT_DTYPES = [
  'float16',
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
] as const;
export type InputDtype = (typeof EZKL_INPUT_DTYPES)[number];
/** An element type EZKL cannot read (string, complex, bfloat16, …), by its ONNX name. */
export type Dtype = InputDtype | `unsupported:${string}`;
