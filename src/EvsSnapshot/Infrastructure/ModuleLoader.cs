using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Threading;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Runs when the module is imported. The engine (EvsSnapshot.Client.dll) and the netstandard2.0 packages it was
    /// built against live in the module's Dependencies folder, where PowerShell does not look by itself:
    /// <list type="bullet">
    /// <item>PowerShell 7: the engine is loaded into a load context of its own, so another module that brings a
    /// different EvsSnapshot.Client (an older copy of this module, say) cannot clash with it in either load order.
    /// Assemblies PowerShell already ships (System.Text.Json and friends) come from PowerShell, as Microsoft's
    /// guidance recommends; anything else the engine needs and PowerShell lacks is loaded privately too.</item>
    /// <item>Windows PowerShell 5.1 has no load contexts: the Dependencies folder is added to assembly resolution
    /// (it holds System.Text.Json and the other netstandard2.0 packages .NET Framework lacks).</item>
    /// </list>
    /// The public types (EvsSnapshot.Types.dll) and the cmdlets stay in the default context, so their type names
    /// resolve in scripts.
    /// </summary>
    public sealed class ModuleLoader : IModuleAssemblyInitializer
    {
        internal const string EngineAssemblyName = "EvsSnapshot.Client";
        private static int _registered;

        public void OnImport()
        {
            // Once per process: every runspace that imports the module shares the loaded assemblies.
            if (Interlocked.Exchange(ref _registered, 1) == 1) return;
            string dependencies = Path.Combine(Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location)!, "Dependencies");
            if (!Directory.Exists(dependencies)) return; // running from a build folder where everything sits side by side
            if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
            {
                DesktopResolver.Register(dependencies);
            }
            else
            {
                EngineLoadContext.Register(dependencies);
            }
        }
    }

    /// <summary>PowerShell 7: the engine's private load context.</summary>
    internal sealed class EngineLoadContext : AssemblyLoadContext
    {
        private static EngineLoadContext? _instance;
        private readonly string _directory;
        // Built on the first load, not at import: the engine itself loads only on first use.
        private readonly Lazy<HashSet<string>> _platformAssemblies = new Lazy<HashSet<string>>(PlatformAssemblyNames);

        private EngineLoadContext(string directory)
        {
            _directory = directory;
        }

        /// <summary>The context the engine was loaded into (null on Windows PowerShell or from a build folder).</summary>
        internal static EngineLoadContext? Instance => _instance;

        internal static void Register(string directory)
        {
            var context = new EngineLoadContext(directory);
            _instance = context;
            // Only the engine is redirected; PowerShell's own resolvers keep serving everything else.
            Default.Resolving += (_, name) =>
                string.Equals(name.Name, ModuleLoader.EngineAssemblyName, StringComparison.Ordinal) ? context.LoadFromAssemblyName(name) : null;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string name = assemblyName.Name ?? string.Empty;
            // The public types are shared with the cmdlets: the engine must see the very same assembly.
            if (name == typeof(SnapshotDetails).Assembly.GetName().Name) return typeof(SnapshotDetails).Assembly;
            if (name != ModuleLoader.EngineAssemblyName && _platformAssemblies.Value.Contains(name)) return null; // PowerShell ships it
            string path = Path.Combine(_directory, name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        private static HashSet<string> PlatformAssemblyNames()
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
            {
                foreach (var file in list.Split(Path.PathSeparator))
                {
                    if (file.Length > 0) names.Add(Path.GetFileNameWithoutExtension(file));
                }
            }
            return names;
        }
    }

    /// <summary>Windows PowerShell 5.1: resolve the engine and its packages from the Dependencies folder.</summary>
    internal static class DesktopResolver
    {
        internal static void Register(string directory)
        {
            AppDomain.CurrentDomain.AssemblyResolve += (_, args) =>
            {
                string path = Path.Combine(directory, new AssemblyName(args.Name).Name + ".dll");
                return File.Exists(path) ? Assembly.LoadFrom(path) : null;
            };
        }
    }
}
