using System;
using System.Collections.Generic;
using System.IO;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// The SDKs' credentials file (§14.2): <c>$HUAWEICLOUD_SDK_CREDENTIALS_FILE</c>, else <c>~/.huaweicloud/credentials</c>;
    /// section <c>[basic]</c> with <c>idp_id</c> + <c>id_token_file</c> (federation, which wins as in the environment),
    /// else <c>ak</c> + <c>sk</c> (+ <c>security_token</c>); <c>project_id</c> and <c>iam_endpoint</c> go with either.
    /// In the chain a missing file, or one without [basic] credentials (say only [global]), is skipped; a file given
    /// explicitly must have them. A malformed file, or half a pair, is an error naming the line, in either case.
    /// </summary>
    internal static class CredentialsFileSource
    {
        public const string PathVariable = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
        public const string DefaultDisplayPath = "~/.huaweicloud/credentials";
        public const string Section = "basic";

        /// <summary>The chain's file; null (with the reason in the trail) when there is none or it has no [basic] credentials.</summary>
        public static CredentialSpec? TryReadDefault(Func<string, string?> env, CredentialTrail trail)
        {
            string? path = EnvironmentCredentialSource.Read(env, PathVariable);
            string display;
            if (path != null)
            {
                display = path;
            }
            else
            {
                string? home = HomeDirectory(env);
                if (home == null)
                {
                    trail.Step("credentials file " + DefaultDisplayPath, "no home directory; skipped");
                    return null;
                }
                path = Path.Combine(home, ".huaweicloud", "credentials");
                display = DefaultDisplayPath;
            }
            string place = "credentials file " + display + (display == path ? string.Empty : " (" + path + ")");
            if (!File.Exists(path))
            {
                trail.Step(place, "not found");
                return null;
            }
            var spec = FromFile(path, display, required: false);
            trail.Step(place, spec == null ? "no credentials in [basic]; skipped" : "found; chosen");
            return spec;
        }

        /// <summary>A file given explicitly: it must exist and hold [basic] credentials.</summary>
        public static CredentialSpec Read(string path) => FromFile(path, path, required: true)!;

        private static CredentialSpec? FromFile(string path, string display, bool required)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw new EvsException(EvsErrorKind.NotFound, "CredentialsFileNotFound", $"The credentials file {display} does not exist.", ex)
                { Target = display }.Advise(EvsAdvice.FixCredentialsFile, ("CredentialsFile", display));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new EvsException(EvsErrorKind.PermissionDenied, "CredentialsFileUnreadable", $"The credentials file {display} cannot be read: {ex.Message}", ex)
                { Target = display }.Advise(EvsAdvice.FixCredentialsFile, ("CredentialsFile", display));
            }
            var sections = CredentialsFileParser.Parse(text, display);
            return FromBasic(sections, display, required);
        }

        internal static CredentialSpec? FromBasic(Dictionary<string, IniSection> sections, string display, bool required)
        {
            string source = "CredentialsFile (" + display + ")";
            if (!sections.TryGetValue(Section, out var basic))
            {
                if (required) throw CredentialsFileParser.Invalid(display, 1, "there is no [basic] section with ak and sk or idp_id and id_token_file");
                return null;
            }
            CredentialSpec? spec;
            string? idp = basic.Get("idp_id"), idTokenFile = basic.Get("id_token_file"), ak = basic.Get("ak"), sk = basic.Get("sk");
            if (idp != null && idTokenFile != null) spec = CredentialSpec.ForFederation(source, idp, idTokenFile);
            else if (ak != null && sk != null)
                spec = CredentialSpec.ForAccessKey(source, ak, sk, basic.Get("security_token"), "ak (" + display + ")", "sk (" + display + ")", "security_token (" + display + ")");
            else
            {
                Incomplete(basic, display, "idp_id", idp, "id_token_file", idTokenFile);
                Incomplete(basic, display, "ak", ak, "sk", sk);
                if (required) throw CredentialsFileParser.Invalid(display, basic.Line, "[basic] has neither ak and sk nor idp_id and id_token_file");
                return null;
            }
            spec.ProjectId = basic.Get("project_id");
            string? iam = basic.Get("iam_endpoint");
            if (iam != null) spec.IamEndpoint = EndpointSelection.ParseEndpointSetting(iam, "iam_endpoint (" + display + ")");
            return spec;
        }

        /// <summary>Half a pair is a mistake in the file, not a reason to look elsewhere.</summary>
        private static void Incomplete(IniSection basic, string display, string firstName, string? first, string secondName, string? second)
        {
            if ((first == null) == (second == null)) return;
            string set = first != null ? firstName : secondName, missing = first != null ? secondName : firstName;
            throw CredentialsFileParser.Invalid(display, basic.LineOf(set), $"'{set}' is set but [basic] has no '{missing}'");
        }

        /// <summary>As the SDKs find <c>~</c>: USERPROFILE on Windows, HOME elsewhere.</summary>
        internal static string? HomeDirectory(Func<string, string?> env)
        {
            bool windows = Path.DirectorySeparatorChar == '\\';
            string? home = EnvironmentCredentialSource.Read(env, windows ? "USERPROFILE" : "HOME");
            return home ?? (windows ? EnvironmentCredentialSource.Read(env, "HOME") : null);
        }
    }
}
