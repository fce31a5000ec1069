package dev.jpull.cli;

import dev.jpull.oci.Platform;
import dev.jpull.reference.Reference;
import dev.jpull.reference.ReferenceParseException;
import picocli.CommandLine;

/** picocli converters: a bad reference or platform is a usage error (exit 2) before anything runs. */
final class Converters {
  private Converters() {}

  static final class ReferenceConverter implements CommandLine.ITypeConverter<Reference> {
    @Override
    public Reference convert(String value) throws ReferenceParseException {
      try {
        return Reference.parse(value);
      } catch (ReferenceParseException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  static final class PlatformConverter implements CommandLine.ITypeConverter<Platform> {
    @Override
    public Platform convert(String value) {
      try {
        return Platform.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
