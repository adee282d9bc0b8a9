# Builds the module's console help from docs/en-US without PlatyPS: the cmdlet pages (PlatyPS markdown schema
# 2.0.0) become one MAML file per "external help file" (the XML PlatyPS's New-ExternalHelp writes), and the
# about_*.help.md topics become about_*.help.txt. Plain PowerShell 7 and .NET only; the whole folder takes well
# under a second.

Set-StrictMode -Version 3.0

$script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:MsHelpNs = 'http://msdn.microsoft.com/mshelp'
$script:AllSets = '(All)'

# ------------------------------------------------------------------------------------------------ markdown

function Split-MarkdownBlock {
    <#
    Turns markdown lines into a flat list of blocks: headings, fenced code blocks and text lines. Lines inside
    a fence are never headings, so '# comments' in examples stay code.
    #>
    param([string[]] $Lines, [int] $FirstLine, [string] $Path)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $i = 0
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        if ($line -match '^\s*(`{3,})\s*([\w-]*)\s*$') {
            $fence = $Matches[1]
            $language = $Matches[2]
            $start = $i
            $code = [System.Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Lines.Count -and $Lines[$i].Trim() -ne $fence) { $code.Add($Lines[$i]); $i++ }
            if ($i -ge $Lines.Count) { throw "${Path}:$($FirstLine + $start): the code block opened here is never closed." }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = $language; Text = ($code -join "`n"); Line = $FirstLine + $start })
        }
        elseif ($line -match '^(#{1,6})\s+(.*?)\s*#*\s*$') {
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches[1].Length; Text = $Matches[2]; Line = $FirstLine + $i })
        }
        else {
            $blocks.Add([pscustomobject]@{ Kind = 'Text'; Text = $line; Line = $FirstLine + $i })
        }
        $i++
    }
    , $blocks
}

function ConvertFrom-MarkdownInline([string] $Text) {
    # PlatyPS keeps inline markdown as typed, except the escapes its own renderer adds (\< \> \[ \] \` \\).
    [regex]::Replace($Text, '\\([\\<>\[\]`()*_])', '$1')
}

function ConvertTo-Paragraph {
    <#
    Text lines -> paragraphs: blank lines separate paragraphs, soft-wrapped lines are joined, every list item
    and table row is a paragraph of its own, and fenced code inside prose is kept line by line.
    #>
    param([object[]] $Blocks)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Code') {
            if ($null -ne $current) { $paragraphs.Add($current); $current = $null }
            foreach ($codeLine in ($block.Text -split "`n")) { $paragraphs.Add('    ' + $codeLine) }
            $paragraphs.Add('')
            continue
        }
        $line = $block.Text
        if ($line.Trim().Length -eq 0) {
            if ($null -ne $current) { $paragraphs.Add($current); $current = $null }
            if ($paragraphs.Count -gt 0 -and $paragraphs[$paragraphs.Count - 1] -ne '') { $paragraphs.Add('') }
            continue
        }
        $text = ConvertFrom-MarkdownInline $line.Trim()
        if ($line -match '^\s*([-*+]|\d+\.)\s+' -or $line -match '^\s*\|') {
            if ($null -ne $current) { $paragraphs.Add($current) }
            $current = $text
            if ($line -match '^\s*\|') { $paragraphs.Add($current); $current = $null }
        }
        elseif ($null -eq $current) { $current = $text }
        else { $current = $current + ' ' + $text }
    }
    if ($null -ne $current) { $paragraphs.Add($current) }
    while ($paragraphs.Count -gt 0 -and $paragraphs[$paragraphs.Count - 1] -eq '') { $paragraphs.RemoveAt($paragraphs.Count - 1) }
    , $paragraphs.ToArray()
}

function Read-FrontMatter([string[]] $Lines, [string] $Path) {
    $metadata = [ordered]@{}
    if ($Lines.Count -eq 0 -or $Lines[0].Trim() -ne '---') { return $metadata, 0 }
    for ($i = 1; $i -lt $Lines.Count; $i++) {
        if ($Lines[$i].Trim() -eq '---') { return $metadata, ($i + 1) }
        if ($Lines[$i] -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $metadata[$Matches[1]] = $Matches[2] }
    }
    throw "${Path}: the YAML front matter is not closed with '---'."
}

function Read-YamlBlock([string] $Text) {
    $values = @{}
    foreach ($line in ($Text -split "`n")) {
        if ($line -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $values[$Matches[1]] = $Matches[2] }
    }
    $values
}

function Read-CommandMarkdown {
    <# Parses one cmdlet page (PlatyPS schema 2.0.0) into a plain object. Throws on a schema violation. #>
    param([string] $Path)
    $lines = [System.IO.File]::ReadAllText($Path) -split '\r?\n'
    $metadata, $bodyStart = Read-FrontMatter $lines $Path
    if ($metadata['schema'] -ne '2.0.0') { throw "${Path}: the front matter must say 'schema: 2.0.0'." }
    $blocks = Split-MarkdownBlock -Lines ($lines | Select-Object -Skip $bodyStart) -FirstLine ($bodyStart + 1) -Path $Path

    $command = [ordered]@{
        Path = $Path; Metadata = $metadata; Name = $null; Synopsis = @(); Description = @(); Notes = @()
        Syntax = [System.Collections.Generic.List[object]]::new()
        Examples = [System.Collections.Generic.List[object]]::new()
        Parameters = [System.Collections.Generic.List[object]]::new()
        Inputs = [System.Collections.Generic.List[object]]::new()
        Outputs = [System.Collections.Generic.List[object]]::new()
        Links = [System.Collections.Generic.List[object]]::new()
    }

    # Group into sections (## NAME) with their blocks.
    $sections = [ordered]@{}
    $section = $null
    foreach ($block in $blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 1) {
            if ($command.Name) { throw "${Path}:$($block.Line): a second '#' heading; one command per file." }
            $command.Name = $block.Text.Trim()
            continue
        }
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 2) {
            $section = $block.Text.Trim().ToUpperInvariant()
            if ($sections.Contains($section)) { throw "${Path}:$($block.Line): section '## $section' appears twice." }
            $sections[$section] = [System.Collections.Generic.List[object]]::new()
            continue
        }
        if ($null -eq $section) {
            if ($block.Kind -eq 'Text' -and $block.Text.Trim() -eq '') { continue }
            throw "${Path}:$($block.Line): content before the first '##' section."
        }
        $sections[$section].Add($block)
    }
    if (-not $command.Name) { throw "${Path}: the '# <Command name>' heading is missing." }
    foreach ($required in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
        if (-not $sections.Contains($required)) { throw "${Path}: the '## $required' section is missing." }
    }
    foreach ($name in $sections.Keys) {
        if ($name -notin 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
            throw "${Path}: unknown section '## $name' (PlatyPS schema 2.0.0)."
        }
    }

    $command.Synopsis = ConvertTo-Paragraph $sections['SYNOPSIS']
    $command.Description = ConvertTo-Paragraph $sections['DESCRIPTION']
    $command.Notes = ConvertTo-Paragraph $sections['NOTES']
    if ($command.Synopsis.Count -eq 0) { throw "${Path}: the synopsis is empty." }

    # SYNTAX: one code block per parameter set, under '### Name (Default)' when there are several.
    $setName = $null; $isDefault = $false
    foreach ($block in $sections['SYNTAX']) {
        if ($block.Kind -eq 'Heading') {
            if ($block.Text -match '^(.+?)(\s+\(Default\))?$') { $setName = $Matches[1].Trim(); $isDefault = [bool]$Matches[2] }
        }
        elseif ($block.Kind -eq 'Code') {
            $order = [regex]::Matches($block.Text, '(?<=[\s\[])-(\w+)') | ForEach-Object { $_.Groups[1].Value }
            $command.Syntax.Add([pscustomobject]@{ Name = $setName; IsDefault = $isDefault; Order = @($order); Text = $block.Text })
            $setName = $null; $isDefault = $false
        }
    }
    if ($command.Syntax.Count -eq 0) { throw "${Path}: '## SYNTAX' has no code block." }
    if ($command.Syntax.Count -gt 1 -and @($command.Syntax | Where-Object { -not $_.Name }).Count) {
        throw "${Path}: with several syntax blocks, each needs a '### <Parameter set name>' heading."
    }

    # EXAMPLES: '### title', code blocks, remarks.
    $example = $null
    foreach ($block in $sections['EXAMPLES']) {
        if ($block.Kind -eq 'Heading') {
            if ($block.Level -ne 3) { throw "${Path}:$($block.Line): examples are '###' headings." }
            $example = [pscustomobject]@{ Title = $block.Text.Trim(); Code = [System.Collections.Generic.List[object]]::new(); Introduction = [System.Collections.Generic.List[object]]::new(); Remarks = [System.Collections.Generic.List[object]]::new(); Line = $block.Line }
            $command.Examples.Add($example)
        }
        elseif ($null -eq $example) {
            if ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') { throw "${Path}:$($block.Line): text before the first example heading." }
        }
        elseif ($block.Kind -eq 'Code') { $example.Code.Add($block) }
        elseif ($example.Code.Count -eq 0) { $example.Introduction.Add($block) }
        else { $example.Remarks.Add($block) }
    }
    foreach ($e in $command.Examples) {
        if ($e.Code.Count -eq 0) { throw "${Path}:$($e.Line): example '$($e.Title)' has no code block." }
        $e.Introduction = ConvertTo-Paragraph $e.Introduction
        $e.Remarks = ConvertTo-Paragraph $e.Remarks
    }

    # PARAMETERS: '### -Name', description, one yaml block per distinct parameter-set behaviour.
    $parameter = $null
    $common = $false
    foreach ($block in $sections['PARAMETERS']) {
        if ($block.Kind -eq 'Heading') {
            $common = $false
            if ($block.Text -match '^-(\w+)$') {
                $parameter = [pscustomobject]@{ Name = $Matches[1]; DescriptionBlocks = [System.Collections.Generic.List[object]]::new(); Description = @(); Sets = [System.Collections.Generic.List[object]]::new(); Line = $block.Line }
                $command.Parameters.Add($parameter)
            }
            elseif ($block.Text -match '^<?CommonParameters>?$') { $common = $true; $parameter = $null }
            else { throw "${Path}:$($block.Line): a parameter heading must be '### -Name' or '### CommonParameters'." }
        }
        elseif ($common) { continue }
        elseif ($null -eq $parameter) {
            if ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') { throw "${Path}:$($block.Line): text before the first parameter heading." }
        }
        elseif ($block.Kind -eq 'Code' -and $block.Language -eq 'yaml') {
            $yaml = Read-YamlBlock $block.Text
            foreach ($key in 'Type', 'Parameter Sets', 'Required', 'Position', 'Accept pipeline input', 'Accept wildcard characters') {
                if (-not $yaml.ContainsKey($key)) { throw "${Path}:$($block.Line): the yaml block of -$($parameter.Name) has no '$key'." }
            }
            $parameter.Sets.Add([pscustomobject]@{
                    Type          = $yaml['Type']
                    ParameterSets = @($yaml['Parameter Sets'] -split '\s*,\s*' | Where-Object { $_ })
                    Aliases       = @(if ($yaml['Aliases']) { $yaml['Aliases'] -split '\s*,\s*' | Where-Object { $_ } })
                    Required      = $yaml['Required'] -eq 'True'
                    Position      = $yaml['Position']
                    DefaultValue  = $yaml['Default value']
                    PipelineInput = $yaml['Accept pipeline input']
                    Globbing      = $yaml['Accept wildcard characters'] -eq 'True'
                })
        }
        elseif ($parameter.Sets.Count -eq 0) { $parameter.DescriptionBlocks.Add($block) }
    }
    foreach ($p in $command.Parameters) {
        if ($p.Sets.Count -eq 0) { throw "${Path}:$($p.Line): -$($p.Name) has no yaml metadata block." }
        $p.Description = ConvertTo-Paragraph $p.DescriptionBlocks
    }

    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        $entry = $null
        foreach ($block in $sections[$kind]) {
            if ($block.Kind -eq 'Heading') {
                $entry = [pscustomobject]@{ TypeName = $block.Text.Trim(); Blocks = [System.Collections.Generic.List[object]]::new(); Description = @() }
                $command[$(if ($kind -eq 'INPUTS') { 'Inputs' } else { 'Outputs' })].Add($entry)
            }
            elseif ($null -ne $entry) { $entry.Blocks.Add($block) }
        }
    }
    foreach ($entry in @($command.Inputs) + @($command.Outputs)) { $entry.Description = ConvertTo-Paragraph $entry.Blocks }

    if ($metadata['online version']) { $command.Links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $metadata['online version'] }) }
    foreach ($block in $sections['RELATED LINKS']) {
        foreach ($m in [regex]::Matches("$($block.Text)", '\[([^\]]+)\]\(([^)]*)\)')) {
            $command.Links.Add([pscustomobject]@{ Text = $m.Groups[1].Value; Uri = $m.Groups[2].Value })
        }
    }
    [pscustomobject]$command
}

# ------------------------------------------------------------------------------------------------ MAML

function Write-Paragraph([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs) {
    foreach ($para in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $script:MamlNs, $para) }
}

function Get-ExampleTitle([string] $Title) {
    # New-ExternalHelp pads titles with dashes to 64 characters for readability.
    if ([string]::IsNullOrWhiteSpace($Title) -or $Title.Length -ge 62) { return $Title }
    $pad = [int][math]::Floor((64 - $Title.Length - 2) / 2)
    ('-' * $pad) + ' ' + $Title + ' ' + ('-' * $pad)
}

function Write-MamlParameter {
    param([System.Xml.XmlWriter] $Writer, $Parameter, $Metadata, [bool] $InSyntax)
    $type = $Metadata.Type
    $isSwitch = $type -in 'SwitchParameter', 'System.Management.Automation.SwitchParameter', 'switch'
    if ($isSwitch) { $type = 'System.Management.Automation.SwitchParameter' }
    $Writer.WriteStartElement('command', 'parameter', $script:CommandNs)
    $Writer.WriteAttributeString('required', $Metadata.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $Metadata.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Metadata.PipelineInput)
    $Writer.WriteAttributeString('position', $Metadata.Position.ToLowerInvariant())
    $Writer.WriteAttributeString('aliases', $(if ($Metadata.Aliases.Count) { $Metadata.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $script:MamlNs, $Parameter.Name)
    $Writer.WriteStartElement('maml', 'description', $script:MamlNs)
    Write-Paragraph $Writer $Parameter.Description
    $Writer.WriteEndElement()
    if (-not ($InSyntax -and $isSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $Writer.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $script:DevNs)
    $Writer.WriteElementString('maml', 'name', $script:MamlNs, $type)
    $Writer.WriteElementString('maml', 'uri', $script:MamlNs, '')
    $Writer.WriteEndElement()
    $default = $Metadata.DefaultValue
    if ($isSwitch -and ([string]::IsNullOrEmpty($default) -or $default -eq 'None')) { $default = 'False' }
    elseif ([string]::IsNullOrEmpty($default)) { $default = 'None' }
    $Writer.WriteElementString('dev', 'defaultValue', $script:DevNs, $default)
    $Writer.WriteEndElement()
}

function Get-ParameterMetadataForSet($Parameter, [string] $SetName) {
    foreach ($m in $Parameter.Sets) {
        if ($m.ParameterSets -contains $script:AllSets -or ($SetName -and $m.ParameterSets -contains $SetName)) { return $m }
    }
    $null
}

function Write-MamlCommand([System.Xml.XmlWriter] $Writer, $Command) {
    $verb, $noun = $Command.Name -split '-', 2
    $Writer.WriteStartElement('command', 'command', $script:CommandNs)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $script:MamlNs)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $script:CommandNs)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $script:DevNs)
    $Writer.WriteAttributeString('xmlns', 'MSHelp', $null, $script:MsHelpNs)

    $Writer.WriteStartElement('command', 'details', $script:CommandNs)
    $Writer.WriteElementString('command', 'name', $script:CommandNs, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $script:CommandNs, $verb)
    $Writer.WriteElementString('command', 'noun', $script:CommandNs, $noun)
    $Writer.WriteStartElement('maml', 'description', $script:MamlNs)
    Write-Paragraph $Writer $Command.Synopsis
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('maml', 'description', $script:MamlNs)
    Write-Paragraph $Writer $Command.Description
    $Writer.WriteEndElement()

    # Syntax items come from the parameters' metadata (as in PlatyPS); the order is the one of the SYNTAX block.
    $Writer.WriteStartElement('command', 'syntax', $script:CommandNs)
    foreach ($syntax in $Command.Syntax) {
        $Writer.WriteStartElement('command', 'syntaxItem', $script:CommandNs)
        $Writer.WriteElementString('maml', 'name', $script:MamlNs, $Command.Name)
        $members = foreach ($p in $Command.Parameters) {
            $m = Get-ParameterMetadataForSet $p $syntax.Name
            if ($null -eq $m -and $Command.Syntax.Count -eq 1) { $m = $p.Sets[0] }
            if ($null -ne $m) {
                $index = [array]::IndexOf([string[]]$syntax.Order, $p.Name)
                [pscustomobject]@{ Parameter = $p; Metadata = $m; Order = $(if ($index -ge 0) { $index } else { 10000 }) }
            }
        }
        foreach ($member in @($members | Sort-Object Order, { $_.Parameter.Name })) {
            Write-MamlParameter $Writer $member.Parameter $member.Metadata $true
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $script:CommandNs)
    foreach ($p in $Command.Parameters) { Write-MamlParameter $Writer $p $p.Sets[0] $false }
    $Writer.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', 'Inputs'), @('returnValues', 'returnValue', 'Outputs'))) {
        $Writer.WriteStartElement('command', $kind[0], $script:CommandNs)
        foreach ($entry in $Command[$kind[2]]) {
            $Writer.WriteStartElement('command', $kind[1], $script:CommandNs)
            $Writer.WriteStartElement('dev', 'type', $script:DevNs)
            $Writer.WriteElementString('maml', 'name', $script:MamlNs, $entry.TypeName)
            $Writer.WriteEndElement()
            $Writer.WriteStartElement('maml', 'description', $script:MamlNs)
            Write-Paragraph $Writer $entry.Description
            $Writer.WriteEndElement()
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('maml', 'alertSet', $script:MamlNs)
    $Writer.WriteStartElement('maml', 'alert', $script:MamlNs)
    Write-Paragraph $Writer $Command.Notes
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $script:CommandNs)
    foreach ($example in $Command.Examples) {
        $Writer.WriteStartElement('command', 'example', $script:CommandNs)
        $Writer.WriteElementString('maml', 'title', $script:MamlNs, (Get-ExampleTitle $example.Title))
        $Writer.WriteElementString('dev', 'code', $script:DevNs, (@($example.Code | ForEach-Object Text) -join "`n`n"))
        $Writer.WriteStartElement('dev', 'remarks', $script:DevNs)
        Write-Paragraph $Writer (@($example.Introduction) + @(if ($example.Introduction.Count -and $example.Remarks.Count) { '' }) + @($example.Remarks))
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $script:CommandNs)
    foreach ($link in $Command.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $script:MamlNs)
        $Writer.WriteElementString('maml', 'linkText', $script:MamlNs, $link.Text)
        $uri = $null
        # Get-Help only accepts absolute URIs here (PlatyPS drops relative ones the same way).
        $Writer.WriteElementString('maml', 'uri', $script:MamlNs, $(if ([uri]::TryCreate($link.Uri, [UriKind]::Absolute, [ref]$uri)) { $link.Uri } else { '' }))
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function Write-MamlFile([string] $Path, [object[]] $Commands) {
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $settings.NewLineChars = [Environment]::NewLine
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($command in $Commands) { Write-MamlCommand $writer $command }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}

# ------------------------------------------------------------------------------------------------ about topics

function Add-WrappedLine {
    param([System.Text.StringBuilder] $Builder, [string] $Text, [string] $Indent, [string] $HangingIndent = $Indent, [int] $Width = 80)
    $line = $Indent
    $lineHasWord = $false
    foreach ($word in ($Text -split ' ' | Where-Object { $_ -ne '' })) {
        if ($lineHasWord -and $line.Length + 1 + $word.Length -gt $Width) {
            $null = $Builder.AppendLine($line)
            $line = $HangingIndent + $word
        }
        elseif ($lineHasWord) { $line += ' ' + $word }
        else { $line += $word }
        $lineHasWord = $true
    }
    if ($lineHasWord) { $null = $Builder.AppendLine($line) }
}

function Add-AboutTable([System.Text.StringBuilder] $Builder, [string[]] $Rows, [string] $Indent) {
    <#
    A markdown pipe table as a definition list, which reads well in 80 columns: the first cell (with any middle
    cells in parentheses) as the term, the last cell indented below it. The header row is left out.
    #>
    $cells = foreach ($row in $Rows) {
        $trimmed = $row.Trim()
        if ($trimmed -match '^\|?\s*:?-{3,}') { continue }
        , @($trimmed.Trim('|').Split('|') | ForEach-Object { ConvertFrom-MarkdownInline $_.Trim() })
    }
    $isHeader = $Rows.Count -gt 1 -and $Rows[1].Trim() -match '^\|?\s*:?-{3,}'
    $first = $true
    foreach ($row in $cells) {
        if ($first -and $isHeader) { $first = $false; continue }
        $first = $false
        $term = $row[0]
        if ($row.Count -gt 2) { $term += ' (' + (($row[1..($row.Count - 2)] | Where-Object { $_ }) -join '; ') + ')' }
        Add-WrappedLine -Builder $Builder -Text $term -Indent $Indent -HangingIndent ($Indent + '  ')
        if ($row.Count -gt 1) { Add-WrappedLine -Builder $Builder -Text $row[$row.Count - 1] -Indent ($Indent * 2) }
    }
}

function ConvertTo-AboutText {
    <#
    An about topic in markdown (# about_Name, ## SHORT DESCRIPTION, ## LONG DESCRIPTION, ### sub-sections)
    as the plain text Get-Help shows: TOPIC / section names at the margin, text indented and wrapped at 80.
    #>
    param([string] $Path)
    $lines = [System.IO.File]::ReadAllText($Path) -split '\r?\n'
    $null, $bodyStart = Read-FrontMatter $lines $Path
    $blocks = Split-MarkdownBlock -Lines ($lines | Select-Object -Skip $bodyStart) -FirstLine ($bodyStart + 1) -Path $Path
    $builder = [System.Text.StringBuilder]::new()
    $indent = '    '
    $pending = [System.Collections.Generic.List[object]]::new()
    $topic = $null

    $flush = {
        if ($pending.Count -eq 0) { return }
        $i = 0
        while ($i -lt $pending.Count) {
            $line = $pending[$i].Text
            if ($line.Trim() -eq '') { $i++; continue }
            if ($line -match '^\s*\|') {
                $rows = [System.Collections.Generic.List[string]]::new()
                while ($i -lt $pending.Count -and $pending[$i].Text -match '^\s*\|') { $rows.Add($pending[$i].Text); $i++ }
                Add-AboutTable $builder $rows.ToArray() $indent
                $null = $builder.AppendLine()
                continue
            }
            if ($line -match '^\s*([-*+]|\d+\.)\s+(.*)$') {
                $bullet = $Matches[1]; $text = $Matches[2]
                $i++
                while ($i -lt $pending.Count -and $pending[$i].Text -match '^\s{2,}\S' -and $pending[$i].Text -notmatch '^\s*([-*+]|\d+\.)\s+') { $text += ' ' + $pending[$i].Text.Trim(); $i++ }
                $marker = $(if ($bullet -match '^\d') { $bullet } else { '-' }) + ' '
                Add-WrappedLine -Builder $builder -Text (ConvertFrom-MarkdownInline $text) -Indent ($indent + $marker) -HangingIndent ($indent + (' ' * $marker.Length))
                if ($i -ge $pending.Count -or $pending[$i].Text.Trim() -eq '') { $null = $builder.AppendLine() }
                continue
            }
            $text = $line.Trim()
            $i++
            while ($i -lt $pending.Count -and $pending[$i].Text.Trim() -ne '' -and $pending[$i].Text -notmatch '^\s*([-*+|]|\d+\.)\s*') { $text += ' ' + $pending[$i].Text.Trim(); $i++ }
            Add-WrappedLine -Builder $builder -Text (ConvertFrom-MarkdownInline $text) -Indent $indent
            $null = $builder.AppendLine()
        }
        $pending.Clear()
    }

    foreach ($block in $blocks) {
        switch ($block.Kind) {
            'Heading' {
                & $flush
                if ($block.Level -eq 1) {
                    $topic = $block.Text.Trim()
                    $null = $builder.AppendLine('TOPIC').AppendLine($indent + $topic).AppendLine()
                }
                elseif ($block.Level -eq 2) { $null = $builder.AppendLine($block.Text.Trim().ToUpperInvariant()) }
                else { $null = $builder.AppendLine(('  ' * ($block.Level - 2)) + $block.Text.Trim().ToUpperInvariant()) }
            }
            'Code' {
                & $flush
                foreach ($codeLine in ($block.Text -split "`n")) { $null = $builder.AppendLine(($indent * 2 + $codeLine).TrimEnd()) }
                $null = $builder.AppendLine()
            }
            default { $pending.Add($block) }
        }
    }
    & $flush
    if (-not $topic -or $topic -notlike 'about_*') { throw "${Path}: an about topic starts with '# about_<Name>'." }
    [pscustomobject]@{ Name = $topic; Text = $builder.ToString().TrimEnd() + [Environment]::NewLine }
}

# ------------------------------------------------------------------------------------------------ entry point

function Build-EvsHelp {
    <#
    .SYNOPSIS
    Builds MAML help (<external help file>, e.g. EvsSnapshot.dll-Help.xml) and about_*.help.txt from PlatyPS markdown.
    .PARAMETER DocsPath
    The folder with <Cmdlet>.md pages and about_*.help.md topics (docs/en-US).
    .PARAMETER OutputPath
    The module's culture folder (out/EvsSnapshot/en-US); created when missing.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $OutputPath
    )
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if (-not (Test-Path -LiteralPath $DocsPath -PathType Container)) { throw "The help folder '$DocsPath' does not exist." }
    $null = New-Item -ItemType Directory -Force -Path $OutputPath

    $files = Get-ChildItem -LiteralPath $DocsPath -Filter *.md -File | Sort-Object Name
    $helpFiles = [ordered]@{}
    $written = [System.Collections.Generic.List[string]]::new()
    foreach ($file in $files) {
        if ($file.Name -like 'about_*.help.md') {
            $about = ConvertTo-AboutText -Path $file.FullName
            $target = Join-Path $OutputPath ($file.Name -replace '\.md$', '.txt')
            [System.IO.File]::WriteAllText($target, $about.Text, [System.Text.UTF8Encoding]::new($false))
            $written.Add($target)
            continue
        }
        $command = Read-CommandMarkdown -Path $file.FullName
        if ($command.Name -ne $file.BaseName) { throw "$($file.FullName): the file documents '$($command.Name)'; name it $($command.Name).md." }
        $helpFile = $command.Metadata['external help file']
        if (-not $helpFile) { throw "$($file.FullName): the front matter has no 'external help file'." }
        if (-not $helpFiles.Contains($helpFile)) { $helpFiles[$helpFile] = [System.Collections.Generic.List[object]]::new() }
        $helpFiles[$helpFile].Add($command)
    }
    foreach ($helpFile in $helpFiles.Keys) {
        $target = Join-Path $OutputPath $helpFile
        Write-MamlFile -Path $target -Commands $helpFiles[$helpFile].ToArray()
        $written.Add($target)
    }
    Write-Verbose ("Help built in {0:n0} ms: {1}" -f $watch.Elapsed.TotalMilliseconds, ($written -join ', '))
    foreach ($w in $written) { Get-Item -LiteralPath $w }
}

Export-ModuleMember -Function Build-EvsHelp
