/** A problem with one model file; the message starts with the file's name. */
export class OnnxCheckError extends Error {
  override readonly name = 'OnnxCheckError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}
