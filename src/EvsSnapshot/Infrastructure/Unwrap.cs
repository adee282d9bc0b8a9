using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    internal static class Unwrap
    {
        public static object? Base(object? value) => value is PSObject ps ? ps.BaseObject : value;

        /// <summary>A hashtable from the command line with its keys and values unwrapped from PSObject (null stays null).</summary>
        public static Hashtable? Plain(IDictionary? table)
        {
            if (table == null) return null;
            var plain = new Hashtable(table.Count);
            foreach (DictionaryEntry entry in table) plain[Base(entry.Key) ?? string.Empty] = Base(entry.Value);
            return plain;
        }

        /// <summary>A hashtable from the command line, unwrapped from PSObject and validated as metadata.</summary>
        public static Dictionary<string, string> Metadata(IDictionary? table, string parameterName)
        {
            if (table == null) return InputValidator.Metadata(null, parameterName);
            var plain = new Hashtable(table.Count);
            foreach (DictionaryEntry entry in table)
            {
                object? key = Base(entry.Key);
                if (key == null)
                {
                    throw new EvsValidationException("MetadataKeyNotString", parameterName, "A metadata key is null; metadata keys must be non-empty strings.");
                }
                plain[key] = Base(entry.Value);
            }
            return InputValidator.Metadata(plain, parameterName);
        }
    }
}
