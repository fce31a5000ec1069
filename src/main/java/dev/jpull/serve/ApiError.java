package dev.jpull.serve;

/** A distribution-spec error answer: the HTTP status and one {@code errors[]} entry. */
final class ApiError extends Exception {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;

  ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static ApiError nameUnknown(String name) {
    return new ApiError(404, "NAME_UNKNOWN", "repository " + name + " is not in this store");
  }

  static ApiError nameInvalid(String name, String why) {
    return new ApiError(400, "NAME_INVALID", "invalid repository name " + name + ": " + why);
  }

  static ApiError manifestUnknown(String name, String reference) {
    return new ApiError(404, "MANIFEST_UNKNOWN", "manifest " + reference + " of " + name + " is not in this store");
  }

  static ApiError blobUnknown(String digest) {
    return new ApiError(404, "BLOB_UNKNOWN", "blob " + digest + " is not in this store");
  }

  static ApiError digestInvalid(String digest) {
    return new ApiError(400, "DIGEST_INVALID", "invalid digest " + digest);
  }
}
