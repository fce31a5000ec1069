package dev.jpull.oci;

/** A JSON document's field that does not have the type or value jpull reads; the message names the field. */
public final class FieldException extends Exception {
  private static final long serialVersionUID = 1L;

  FieldException(String field, String problem) {
    this(field, problem, false);
  }

  /** With {@code colon}, the problem is a sentence of its own ("field x.digest: invalid sha256 digest …"). */
  FieldException(String field, String problem, boolean colon) {
    super(field.isEmpty() ? "document " + problem : "field " + field + (colon ? ": " : " ") + problem);
  }
}
