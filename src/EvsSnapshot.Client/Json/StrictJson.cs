using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace EvsSnapshot.Client.Json
{
    /// <summary>
    /// One pass over an answer before it is mapped, refusing what System.Text.Json would accept quietly: a key
    /// that appears twice in one object (the last value would win, so a second <c>"volumes":[]</c> could empty a
    /// list) and an array of more than <see cref="MaxArrayItems"/> items (a page holds at most 1000, the API's
    /// limit, evs-api.md §2.1; a hostile page of a million items would otherwise be built in memory). Nesting
    /// deeper than 64 levels is refused by the reader. Nothing is allocated but the key sets of open objects.
    /// </summary>
    internal static class StrictJson
    {
        public const int MaxArrayItems = 1000;

        public static void Check(byte[] body)
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            var objects = new Stack<HashSet<string>>();
            var arrays = new Stack<int>();
            var containers = new Stack<bool>(); // true: an array
            var pool = new Stack<HashSet<string>>();
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (token == JsonTokenType.EndObject)
                {
                    var done = objects.Pop();
                    done.Clear();
                    pool.Push(done);
                    containers.Pop();
                    continue;
                }
                if (token == JsonTokenType.EndArray)
                {
                    arrays.Pop();
                    containers.Pop();
                    continue;
                }
                if (token == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    if (!objects.Peek().Add(name))
                        throw new InvalidDataException($"the key '{Validation.InputValidator.Printable(name)}' appears twice in one object.");
                    continue;
                }
                if (containers.Count > 0 && containers.Peek())
                {
                    int items = arrays.Pop() + 1;
                    if (items > MaxArrayItems)
                        throw new InvalidDataException($"an array holds more than {MaxArrayItems} items, the most a page of the API holds.");
                    arrays.Push(items);
                }
                if (token == JsonTokenType.StartObject)
                {
                    objects.Push(pool.Count > 0 ? pool.Pop() : new HashSet<string>(System.StringComparer.Ordinal));
                    containers.Push(false);
                }
                else if (token == JsonTokenType.StartArray)
                {
                    arrays.Push(0);
                    containers.Push(true);
                }
            }
        }
    }
}
